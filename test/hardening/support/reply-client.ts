/**
 * A memcached text-protocol client for hardening tests that reads whole
 * replies: one line, or a full `get` reply with binary values parsed by
 * their byte counts. Unlike the raw client it never rescans what it already
 * received, so a thousand of them can run in one test process.
 */
import type { Socket } from "bun";
import { concatBytes, latin1Text } from "../../support/bytes.ts";

const CR = 0x0d;
const LF = 0x0a;
const encoder = new TextEncoder();

export interface Value {
  flags: number;
  value: Uint8Array;
  cas: bigint | undefined;
}

export class ReplyTimeoutError extends Error {
  override name = "ReplyTimeoutError";
}

export class ReplyClient {
  private buffer = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  private waiter: (() => void) | undefined;
  private closedFlag = false;
  private constructor(private readonly socket: Socket<undefined>) {}

  static async connect(port: number): Promise<ReplyClient> {
    let client: ReplyClient | undefined;
    const early: Uint8Array[] = [];
    let closedEarly = false;
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_socket, chunk) {
          if (client === undefined) early.push(chunk.slice());
          else client.append(chunk);
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
    client = new ReplyClient(socket);
    for (const chunk of early) client.append(chunk);
    if (closedEarly) client.markClosed();
    return client;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sends every byte, waiting for the socket to drain when the kernel buffer is full. */
  async send(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let offset = 0;
    while (offset < bytes.length) {
      if (this.closedFlag) throw new Error("connection closed while sending");
      const written = this.socket.write(bytes.subarray(offset));
      if (written < 0) throw new Error("connection closed while sending");
      offset += written;
      if (offset < bytes.length) await Bun.sleep(1);
    }
  }

  /** One reply line without its CRLF, as latin1 text. */
  async line(timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const newline = this.buffer.subarray(this.start, this.end).indexOf(LF);
      if (newline !== -1) {
        const lineEnd = this.start + newline;
        const text = latin1Text(
          this.buffer.subarray(
            this.start,
            lineEnd > this.start && this.buffer[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd,
          ),
        );
        this.start = lineEnd + 1;
        return text;
      }
      await this.waitForData(deadline, "a reply line");
    }
  }

  /** A whole get/gets reply: every VALUE block up to END, keyed by latin1 key. */
  async values(timeoutMs = 10_000): Promise<Map<string, Value>> {
    const deadline = Date.now() + timeoutMs;
    const found = new Map<string, Value>();
    for (;;) {
      const header = await this.line(Math.max(1, deadline - Date.now()));
      if (header === "END") return found;
      const match = /^VALUE (\S+) (\d+) (\d+)(?: (\d+))?$/.exec(header);
      if (match === null) throw new Error(`unexpected reply line ${JSON.stringify(header)}`);
      const length = Number(match[3]);
      while (this.end - this.start < length + 2) await this.waitForData(deadline, "a value");
      const value = this.buffer.slice(this.start, this.start + length);
      if (this.buffer[this.start + length] !== CR || this.buffer[this.start + length + 1] !== LF) {
        throw new Error(`value of ${match[1]} is not followed by CRLF`);
      }
      this.start += length + 2;
      found.set(match[1] as string, {
        flags: Number(match[2]),
        value,
        cas: match[4] === undefined ? undefined : BigInt(match[4]),
      });
    }
  }

  /** Sends a command and returns its one-line reply. */
  async call(command: string, timeoutMs = 10_000): Promise<string> {
    await this.send(command);
    return await this.line(timeoutMs);
  }

  /** Stores a value and returns the reply line (STORED, SERVER_ERROR ...). */
  async set(key: string, value: Uint8Array | string, timeoutMs = 10_000): Promise<string> {
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    const head = encoder.encode(`set ${key} 0 0 ${bytes.length}\r\n`);
    await this.send(concatBytes(head, bytes, "\r\n"));
    return await this.line(timeoutMs);
  }

  async get(key: string, timeoutMs = 10_000): Promise<Uint8Array | undefined> {
    await this.send(`get ${key}\r\n`);
    return (await this.values(timeoutMs)).get(key)?.value;
  }

  /** The `stats` reply as a name → value map. */
  async stats(timeoutMs = 10_000): Promise<Map<string, string>> {
    await this.send("stats\r\n");
    const stats = new Map<string, string>();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.line(Math.max(1, deadline - Date.now()));
      if (line === "END") return stats;
      const match = /^STAT (\S+) (.*)$/.exec(line);
      if (match === null) throw new Error(`unexpected stats line ${JSON.stringify(line)}`);
      stats.set(match[1] as string, match[2] as string);
    }
  }

  /** Bytes received and not yet read as a reply. */
  get unread(): number {
    return this.end - this.start;
  }

  /** Resolves true once the server closed the connection, false after the timeout. */
  async waitForClose(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedFlag) {
      if (Date.now() >= deadline) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return true;
  }

  close(): void {
    this.socket.end();
  }

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
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private async waitForData(deadline: number, what: string): Promise<void> {
    if (this.closedFlag) {
      throw new Error(`connection closed while waiting for ${what}; unread: ${this.peek()}`);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new ReplyTimeoutError(`no complete ${what} in time; unread: ${this.peek()}`);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, remaining);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private peek(): string {
    return JSON.stringify(
      latin1Text(this.buffer.subarray(this.start, Math.min(this.end, this.start + 200))),
    );
  }
}
