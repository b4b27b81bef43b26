/**
 * The one memcached test client: a TCP connection with two ways to read.
 *
 * - Raw mode moves exact bytes: `send`, then `readUntil`, `readQuiet`,
 *   `take`, `waitForActivity`, `waitForClose`. For tests about the wire
 *   itself (framing, errors, closes) and for the differential test.
 * - Framed mode reads whole replies, in order: `line`, `values` (a get's
 *   VALUE blocks up to END), `metaReply` (a meta status line and its data
 *   block), `bytes` (an exact count, for size-framed protocols), and helpers that send a request and read its reply (`call`,
 *   `retrieve`, `meta`, `set`, `get`, `delete`, `stats`). Requests may be
 *   pipelined: replies are matched to requests in order.
 *
 * Strings are Latin-1: one character is one byte. Received bytes are kept
 * in one growing buffer read from the front, never rescanned, so a thousand
 * clients can run in one test process. Sends wait for the socket to drain.
 */
import type { Socket } from "bun";
import { concatBytes, latin1Bytes, latin1Text } from "./bytes.ts";

const CR = 0x0d;
const LF = 0x0a;
const INITIAL_BUFFER_SIZE = 4096;
/** How long framed reads wait by default: generous, for a busy machine. */
const DEFAULT_TIMEOUT_MS = 10_000;

/** A key, value or request: bytes, or a Latin-1 string. */
export type Bytes = string | Uint8Array;

/** One hit of a get or gets. */
export interface Value {
  flags: number;
  value: Uint8Array;
  /** Only for gets. */
  cas: bigint | undefined;
}

/** A meta reply: its status line split into the code and the return flags, and any value. */
export interface MetaReply {
  line: string;
  code: string;
  flags: string[];
  value: Uint8Array | undefined;
}

export class ReplyTimeoutError extends Error {
  override name = "ReplyTimeoutError";
}

export class ConnectionClosedError extends Error {
  override name = "ConnectionClosedError";
}

function toBytes(data: Bytes): Uint8Array {
  return typeof data === "string" ? latin1Bytes(data) : data;
}

export class TestClient {
  private buffer = new Uint8Array(INITIAL_BUFFER_SIZE);
  private start = 0;
  private end = 0;
  private waiters: Array<() => void> = [];
  private closedFlag = false;
  /** Bytes the kernel did not take yet, sent from the drain handler, oldest first. */
  private outbox: Uint8Array[] = [];
  private drained: Array<() => void> = [];
  /** Framed reads run one after another, so pipelined replies meet their requests in order. */
  private readQueue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly socket: Socket<undefined>) {}

  static async connect(port: number, host = "127.0.0.1"): Promise<TestClient> {
    let client: TestClient | undefined;
    // The server may answer (or close) before connect() resolves: keep that for the client.
    const early: Uint8Array[] = [];
    let closedEarly = false;
    const socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        data(_socket, chunk) {
          if (client === undefined) early.push(chunk.slice());
          else client.append(chunk);
        },
        drain() {
          client?.flushOutbox();
        },
        close() {
          if (client === undefined) closedEarly = true;
          else client.markClosed();
        },
        error() {
          if (client === undefined) closedEarly = true;
          else client.markClosed();
        },
      },
    });
    client = new TestClient(socket);
    for (const chunk of early) client.append(chunk);
    if (closedEarly) client.markClosed();
    return client;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Bytes received and not yet read. */
  get unread(): number {
    return this.end - this.start;
  }

  close(): void {
    this.socket.end();
  }

  // ---- sending ----

  /**
   * Sends every byte, in order with earlier sends; resolves once the kernel
   * took them all, rejects if the connection closes first. A caller that
   * does not wait is never left with an unhandled rejection.
   */
  send(data: Bytes): Promise<void> {
    const bytes = toBytes(data);
    const sent = new Promise<void>((resolve, reject) => {
      if (this.closedFlag) {
        reject(new ConnectionClosedError("connection closed while sending"));
        return;
      }
      this.outbox.push(bytes);
      this.drained.push(() =>
        this.closedFlag && this.outbox.length > 0
          ? reject(new ConnectionClosedError("connection closed while sending"))
          : resolve(),
      );
      if (this.outbox.length === 1) this.flushOutbox();
    });
    sent.catch(() => {});
    return sent;
  }

  private flushOutbox(): void {
    while (this.outbox.length > 0 && !this.closedFlag) {
      const next = this.outbox[0] as Uint8Array;
      const written = this.socket.write(next);
      if (written < 0) break;
      if (written < next.length) {
        this.outbox[0] = next.subarray(written);
        return;
      }
      this.outbox.shift();
      this.drained.shift()?.();
    }
    if (this.closedFlag) this.failSends();
  }

  private failSends(): void {
    for (const settle of this.drained.splice(0)) settle();
    this.outbox = [];
  }

  // ---- raw mode ----

  /** Waits until everything unread ends with `suffix` (e.g. "END\r\n"), then takes it all. */
  async readUntil(suffix: string, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.peek().endsWith(suffix)) {
      if (this.closedFlag || Date.now() > deadline) {
        throw new Error(
          `expected a reply ending in ${JSON.stringify(suffix)}, got ${JSON.stringify(this.peek())}`,
        );
      }
      await this.waitForActivity(deadline - Date.now());
    }
    return this.take();
  }

  /** Collects whatever arrives until nothing more comes for `quietMs`, and takes it. */
  async readQuiet(quietMs = 150): Promise<string> {
    while (await this.waitForActivity(quietMs)) {}
    return this.take();
  }

  /** Everything unread, as Latin-1 text, without taking it. */
  peek(): string {
    return latin1Text(this.buffer.subarray(this.start, this.end));
  }

  /** Takes everything unread, as Latin-1 text. */
  take(): string {
    return latin1Text(this.takeBytes());
  }

  takeBytes(): Uint8Array {
    const bytes = this.buffer.slice(this.start, this.end);
    this.start = this.end;
    return bytes;
  }

  /** Resolves true when data or a close arrives, false after `timeoutMs` of nothing. */
  waitForActivity(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Resolves true once the server closed the connection, false after the timeout. */
  async waitForClose(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedFlag && Date.now() < deadline) {
      await this.waitForActivity(deadline - Date.now());
    }
    return this.closedFlag;
  }

  // ---- framed mode: reading replies ----

  /** One reply line without its line end, as Latin-1 text. */
  async line(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const newline = this.buffer.subarray(this.start, this.end).indexOf(LF);
      if (newline !== -1) {
        const lineEnd = this.start + newline;
        const textEnd =
          lineEnd > this.start && this.buffer[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
        const text = latin1Text(this.buffer.subarray(this.start, textEnd));
        this.start = lineEnd + 1;
        return text;
      }
      await this.waitForData(deadline, "a reply line");
    }
  }

  /** A whole get/gets reply: every VALUE block up to END, keyed by Latin-1 key. */
  async values(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Map<string, Value>> {
    const deadline = Date.now() + timeoutMs;
    const found = new Map<string, Value>();
    for (;;) {
      const header = await this.line(Math.max(1, deadline - Date.now()));
      if (header === "END") return found;
      const match = /^VALUE ([^ ]+) (\d+) (\d+)(?: (\d+))?$/.exec(header);
      if (match === null) throw new Error(`unexpected reply line ${JSON.stringify(header)}`);
      const value = await this.dataBlock(Number(match[3]), deadline, `the value of ${match[1]}`);
      found.set(match[1] as string, {
        flags: Number(match[2]),
        value,
        cas: match[4] === undefined ? undefined : BigInt(match[4]),
      });
    }
  }

  /**
   * Exactly `length` bytes, for protocols framed by sizes rather than lines
   * (the binary protocol's 24-byte header, then its body).
   */
  async bytes(length: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    while (this.end - this.start < length) await this.waitForData(deadline, `${length} bytes`);
    const bytes = this.buffer.slice(this.start, this.start + length);
    this.start += length;
    return bytes;
  }

  /** A meta reply: the status line, and the data block after a VA line. */
  async metaReply(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<MetaReply> {
    const deadline = Date.now() + timeoutMs;
    const line = await this.line(timeoutMs);
    const [code = "", ...flags] = line.split(" ");
    if (code !== "VA") return { line, code, flags, value: undefined };
    const [size = "", ...returned] = flags;
    const value = await this.dataBlock(Number(size), deadline, "a meta value");
    return { line, code, flags: returned, value };
  }

  /** `length` bytes and their CRLF, once they are all in. */
  private async dataBlock(length: number, deadline: number, what: string): Promise<Uint8Array> {
    while (this.end - this.start < length + 2) await this.waitForData(deadline, what);
    const value = this.buffer.slice(this.start, this.start + length);
    if (this.buffer[this.start + length] !== CR || this.buffer[this.start + length + 1] !== LF) {
      throw new Error(`${what} is not followed by CRLF`);
    }
    this.start += length + 2;
    return value;
  }

  // ---- framed mode: a request and its reply ----

  /** Sends a request and reads its reply with `read`, after every earlier request's reply. */
  private exchange<Reply>(request: Bytes, read: () => Promise<Reply>): Promise<Reply> {
    const sent = this.send(request);
    const reply = this.readQueue.then(async () => {
      await sent;
      return await read();
    });
    this.readQueue = reply.catch(() => {});
    return reply;
  }

  /** Sends a command and returns its one-line reply. */
  call(request: Bytes, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    return this.exchange(request, () => this.line(timeoutMs));
  }

  /** Sends a get/gets request and returns its hits. */
  retrieve(request: Bytes, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Map<string, Value>> {
    return this.exchange(request, () => this.values(timeoutMs));
  }

  /** Sends one meta request and returns its reply (not for quiet requests, which may have none). */
  meta(request: Bytes, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<MetaReply> {
    return this.exchange(request, () => this.metaReply(timeoutMs));
  }

  /** Stores a value and returns the reply line (STORED, SERVER_ERROR …). */
  set(key: Bytes, value: Bytes, flags = 0, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const data = toBytes(value);
    const request = concatBytes("set ", key, ` ${flags} 0 ${data.length}\r\n`, data, "\r\n");
    return this.call(request, timeoutMs);
  }

  delete(key: Bytes): Promise<string> {
    return this.call(concatBytes("delete ", key, "\r\n"));
  }

  /** One key's value, or undefined on a miss. */
  async get(key: Bytes, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Uint8Array | undefined> {
    const found = await this.retrieve(concatBytes("get ", key, "\r\n"), timeoutMs);
    return found.get(typeof key === "string" ? key : latin1Text(key))?.value;
  }

  /** A multiget (`get`, or `gets` for cas values too). */
  getMany(keys: readonly Bytes[], command: "get" | "gets" = "get"): Promise<Map<string, Value>> {
    return this.retrieve(concatBytes(command, ...keys.flatMap((key) => [" ", key]), "\r\n"));
  }

  /** The `stats` reply as a name → value map. */
  stats(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Map<string, string>> {
    return this.exchange("stats\r\n", async () => {
      const stats = new Map<string, string>();
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = await this.line(Math.max(1, deadline - Date.now()));
        if (line === "END") return stats;
        const match = /^STAT (\S+) (.*)$/.exec(line);
        if (match === null) throw new Error(`unexpected stats line ${JSON.stringify(line)}`);
        stats.set(match[1] as string, match[2] as string);
      }
    });
  }

  // ---- receiving ----

  private append(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buffer.length) {
      const kept = this.end - this.start;
      const target =
        kept + chunk.length <= this.buffer.length
          ? this.buffer
          : new Uint8Array(Math.max(kept + chunk.length, this.buffer.length * 2));
      target.set(this.buffer.subarray(this.start, this.end));
      this.buffer = target;
      this.start = 0;
      this.end = kept;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
    this.wake();
  }

  private markClosed(): void {
    this.closedFlag = true;
    this.failSends();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Waits for more bytes; throws if the connection closed or the deadline passed first. */
  private async waitForData(deadline: number, what: string): Promise<void> {
    const unread = () => JSON.stringify(this.peek().slice(0, 200));
    if (this.closedFlag) {
      throw new ConnectionClosedError(
        `connection closed while waiting for ${what}; unread: ${unread()}`,
      );
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new ReplyTimeoutError(`no complete ${what} in time; unread: ${unread()}`);
    }
    await this.waitForActivity(remaining);
  }
}
