/**
 * A small pipelining memcached text-protocol client for the durability
 * tests: byte-exact keys and values, many requests in flight, and a clear
 * answer to "was this write acknowledged?" when the server dies mid-way.
 */
import type { Socket } from "bun";
import { concatBytes, latin1Bytes, latin1Text } from "../support/bytes.ts";

export interface Item {
  flags: number;
  value: Uint8Array;
  /** Only for gets. */
  cas: bigint | undefined;
}

/** A key, value or request; strings are Latin-1, one character per byte. */
type Bytes = string | Uint8Array;

interface PendingReply {
  kind: "line" | "retrieval";
  resolve(reply: string | Map<string, Item>): void;
  reject(error: Error): void;
  items: Map<string, Item>;
}

const CR = 0x0d;
const LF = 0x0a;

export class ConnectionClosedError extends Error {
  override name = "ConnectionClosedError";
}

export class TextProtocolClient {
  private buffer: Uint8Array = new Uint8Array(0);
  private readonly pending: PendingReply[] = [];
  private outbox: Uint8Array[] = [];
  private closedFlag = false;

  private constructor(private readonly socket: Socket<undefined>) {}

  static async connect(port: number): Promise<TextProtocolClient> {
    let client: TextProtocolClient | undefined;
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_socket, chunk) => client?.receive(chunk),
        drain: () => client?.flushOutbox(),
        close: () => client?.fail(),
        error: () => client?.fail(),
      },
    });
    client = new TextProtocolClient(socket);
    return client;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sends one request and resolves with its one-line reply (without CRLF). */
  line(request: Bytes): Promise<string> {
    return this.request(request, "line") as Promise<string>;
  }

  /** Sends a get/gets request and resolves with its hits, keyed by Latin-1 key. */
  retrieve(request: Bytes): Promise<Map<string, Item>> {
    return this.request(request, "retrieval") as Promise<Map<string, Item>>;
  }

  set(key: Bytes, value: Bytes, flags = 0): Promise<string> {
    const data = typeof value === "string" ? latin1Bytes(value) : value;
    return this.line(concatBytes("set ", key, ` ${flags} 0 ${data.length}\r\n`, data, "\r\n"));
  }

  delete(key: Bytes): Promise<string> {
    return this.line(concatBytes("delete ", key, "\r\n"));
  }

  get(keys: Bytes[]): Promise<Map<string, Item>> {
    return this.retrieve(this.retrievalLine("get", keys));
  }

  gets(keys: Bytes[]): Promise<Map<string, Item>> {
    return this.retrieve(this.retrievalLine("gets", keys));
  }

  close(): void {
    this.socket.end();
  }

  private retrievalLine(command: string, keys: Bytes[]): Uint8Array {
    return concatBytes(command, ...keys.flatMap((key) => [" ", key]), "\r\n");
  }

  private request(request: Bytes, kind: PendingReply["kind"]): Promise<string | Map<string, Item>> {
    if (this.closedFlag) return Promise.reject(new ConnectionClosedError("connection closed"));
    return new Promise((resolve, reject) => {
      this.pending.push({ kind, resolve, reject, items: new Map() });
      this.outbox.push(typeof request === "string" ? latin1Bytes(request) : request);
      if (this.outbox.length === 1) this.flushOutbox();
    });
  }

  private flushOutbox(): void {
    while (this.outbox.length > 0 && !this.closedFlag) {
      const next = this.outbox[0] as Uint8Array;
      const written = this.socket.write(next);
      if (written < 0) return;
      if (written < next.length) {
        this.outbox[0] = next.subarray(written);
        return;
      }
      this.outbox.shift();
    }
  }

  private receive(chunk: Uint8Array): void {
    this.buffer = this.buffer.length === 0 ? chunk.slice() : concatBytes(this.buffer, chunk);
    let offset = 0;
    while (this.pending.length > 0) {
      const consumed = this.parseOne(offset, this.pending[0] as PendingReply);
      if (consumed === 0) break;
      offset += consumed;
    }
    this.buffer = this.buffer.subarray(offset);
  }

  /** Parses one reply element at offset; returns the bytes consumed (0: incomplete). */
  private parseOne(offset: number, pending: PendingReply): number {
    const newline = this.findLineEnd(offset);
    if (newline === -1) return 0;
    const line = latin1Text(this.buffer.subarray(offset, newline));
    const lineLength = newline + 2 - offset;
    if (pending.kind === "line") {
      this.pending.shift();
      pending.resolve(line);
      return lineLength;
    }
    if (line === "END") {
      this.pending.shift();
      pending.resolve(pending.items);
      return lineLength;
    }
    const header = /^VALUE ([^ ]+) (\d+) (\d+)(?: (\d+))?$/.exec(line);
    if (header === null) {
      this.pending.shift();
      pending.reject(new Error(`unexpected reply to a retrieval: ${line}`));
      return lineLength;
    }
    const length = Number(header[3]);
    const dataStart = newline + 2;
    if (this.buffer.length < dataStart + length + 2) return 0;
    pending.items.set(header[1] as string, {
      flags: Number(header[2]),
      value: this.buffer.slice(dataStart, dataStart + length),
      cas: header[4] === undefined ? undefined : BigInt(header[4]),
    });
    return lineLength + length + 2;
  }

  private findLineEnd(offset: number): number {
    for (let index = offset; index + 1 < this.buffer.length; index++) {
      if (this.buffer[index] === CR && this.buffer[index + 1] === LF) return index;
    }
    return -1;
  }

  private fail(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    const error = new ConnectionClosedError("connection closed before the reply");
    for (const pending of this.pending.splice(0)) pending.reject(error);
    this.outbox = [];
  }
}
