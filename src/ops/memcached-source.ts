/**
 * A client for reading a running memcached, as `litecached import` needs it:
 * one connection that lists every key (`lru_crawler metadump all`) and one
 * that fetches values with pipelined multigets. Bytes in, bytes out: keys
 * and values are never decoded as text.
 */
import type { Socket } from "bun";
import { ByteWindow } from "../protocol/byte-window.ts";

/** The problem is the source, not this program: the message says what to check. */
export class SourceError extends Error {
  override name = "SourceError";
}

export interface SourceItem {
  key: Uint8Array;
  flags: number;
  value: Uint8Array;
}

export interface DumpedKey {
  key: Uint8Array;
  /** memcached's exp field: -1 for items that never expire. */
  expires: number;
}

const CR = 0x0d;
const LF = 0x0a;
const latin1 = new TextDecoder("latin1");
const VALUE_LINE = /^VALUE (\S+) (\d+) (\d+)$/;
const INITIAL_BUFFER_BYTES = 64 * 1024;
/** How long to wait for any byte from the source before giving up. */
const READ_TIMEOUT_MS = 30_000;

/** One TCP connection with a byte buffer that can be read by line or by length. */
export class SourceConnection {
  /** Received bytes not read yet. */
  private readonly window = new ByteWindow(INITIAL_BUFFER_BYTES);
  private closed = false;
  private wake: (() => void) | undefined;

  private constructor(
    private readonly socket: Socket<undefined>,
    readonly address: string,
  ) {}

  static async open(host: string, port: number): Promise<SourceConnection> {
    let connection: SourceConnection | undefined;
    let socket: Socket<undefined>;
    try {
      socket = await Bun.connect({
        hostname: host,
        port,
        socket: {
          data: (_socket, chunk) => connection?.receive(chunk),
          close: () => connection?.markClosed(),
          error: () => connection?.markClosed(),
        },
      });
    } catch (error) {
      const reason = (error as { code?: string } | null)?.code ?? String(error);
      throw new SourceError(`cannot connect to ${host}:${port} (${reason})`);
    }
    connection = new SourceConnection(socket, `${host}:${port}`);
    return connection;
  }

  write(data: string | Uint8Array): void {
    // Requests here are small (a multiget line at most); Bun buffers what
    // the kernel does not take at once.
    this.socket.write(data);
  }

  /** The next line without its line end (memcached ends metadump lines with LF only). */
  async readLine(): Promise<Uint8Array> {
    for (;;) {
      const { bytes, start, end } = this.window;
      const found = bytes.subarray(start, end).indexOf(LF);
      if (found !== -1) {
        const newline = start + found;
        const lineEnd = newline > start && bytes[newline - 1] === CR ? newline - 1 : newline;
        // A copy: the window's bytes move when it is compacted.
        const line = bytes.slice(start, lineEnd);
        this.window.consume(newline + 1 - start);
        return line;
      }
      await this.waitForData();
    }
  }

  /** Exactly `length` bytes followed by CRLF (a value's data block). */
  async readBlock(length: number): Promise<Uint8Array> {
    while (this.window.length < length + 2) await this.waitForData();
    const { bytes, start } = this.window;
    const block = bytes.slice(start, start + length);
    this.window.consume(length + 2);
    return block;
  }

  close(): void {
    this.socket.end();
  }

  /** Keeps a received chunk and wakes the read waiting for it. */
  private receive(chunk: Uint8Array): void {
    this.window.append(chunk);
    this.wake?.();
  }

  private markClosed(): void {
    this.closed = true;
    this.wake?.();
  }

  private waitForData(): Promise<void> {
    if (this.closed) {
      return Promise.reject(new SourceError(`${this.address} closed the connection`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        reject(new SourceError(`${this.address} sent nothing for ${READ_TIMEOUT_MS / 1000} s`));
      }, READ_TIMEOUT_MS);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}

/** Checks that the source speaks memcached's text protocol; returns its version. */
export async function readVersion(connection: SourceConnection): Promise<string> {
  connection.write("version\r\n");
  const line = latin1.decode(await connection.readLine());
  if (!line.startsWith("VERSION ")) {
    throw new SourceError(
      `${connection.address} is not a memcached: it answered "version" with ${JSON.stringify(line.slice(0, 80))}`,
    );
  }
  return line.slice("VERSION ".length);
}

/** The number of items memcached holds (`curr_items` of `stats`). */
export async function readItemCount(connection: SourceConnection): Promise<number> {
  connection.write("stats\r\n");
  let count = Number.NaN;
  for (;;) {
    const line = latin1.decode(await connection.readLine());
    if (line === "END") return count;
    if (!line.startsWith("STAT ")) {
      throw new SourceError(`${connection.address} answered "stats" with ${line.slice(0, 80)}`);
    }
    const [, name, value] = line.split(" ");
    if (name === "curr_items") count = Number(value);
  }
}

/**
 * Lists every key with the LRU crawler's metadump, on a connection of its
 * own (memcached refuses other commands pipelined before it). `metadump
 * hash` walks the hash table, so items that memcached's LRU maintainer moves
 * between queues during the dump are still seen once (`metadump all` walks
 * the LRU queues and missed 16 of 100,000 items in a test); an older
 * memcached that knows only `all` gets `all`.
 */
export async function* dumpKeys(connection: SourceConnection): AsyncGenerator<DumpedKey> {
  let first = await startDump(connection, "hash");
  if (!first.startsWith("key=") && first !== "END" && !first.includes("disabled")) {
    first = await startDump(connection, "all");
  }
  for (let line = first; line !== "END"; line = latin1.decode(await connection.readLine())) {
    if (!line.startsWith("key=")) {
      throw new SourceError(
        `${connection.address} refused "lru_crawler metadump": ${line} (memcached 1.4.31 or later, with its LRU crawler enabled, is needed)`,
      );
    }
    const fields = new Map(line.split(" ").map((field) => field.split("=", 2) as [string, string]));
    yield { key: decodeUri(fields.get("key") ?? ""), expires: Number(fields.get("exp") ?? -1) };
  }
}

/** Asks for a metadump and returns its first line. */
async function startDump(connection: SourceConnection, scope: "hash" | "all"): Promise<string> {
  connection.write(`lru_crawler metadump ${scope}\r\n`);
  return latin1.decode(await connection.readLine());
}

/** Reads the reply to a multiget of `keyCount` keys; items that are gone are simply absent. */
export async function fetchValues(
  connection: SourceConnection,
  keyCount: number,
): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for (;;) {
    const line = await connection.readLine();
    const text = latin1.decode(line);
    if (text === "END") return items;
    const header = VALUE_LINE.exec(text);
    if (header === null) {
      throw new SourceError(`${connection.address} answered a get with ${text.slice(0, 80)}`);
    }
    const keyEnd = "VALUE ".length + (header[1] as string).length;
    items.push({
      key: line.slice("VALUE ".length, keyEnd),
      flags: Number(header[2]),
      value: await connection.readBlock(Number(header[3])),
    });
    if (items.length > keyCount) throw new SourceError(`${connection.address} sent extra items`);
  }
}

/** The request line of a multiget for these keys. */
export function multigetRequest(keys: readonly Uint8Array[]): Uint8Array {
  const length = keys.reduce((total, key) => total + 1 + key.length, "get".length + 2);
  const request = new Uint8Array(length);
  request.set([0x67, 0x65, 0x74]); // "get"
  let offset = 3;
  for (const key of keys) {
    request[offset++] = 0x20;
    request.set(key, offset);
    offset += key.length;
  }
  request.set([CR, LF], offset);
  return request;
}

/** memcached's URI encoding of keys in metadump lines: %XX for each byte outside [A-Za-z0-9._~-]. */
export function decodeUri(encoded: string): Uint8Array {
  const bytes: number[] = [];
  for (let index = 0; index < encoded.length; index++) {
    if (encoded[index] === "%" && index + 2 < encoded.length) {
      bytes.push(Number.parseInt(encoded.slice(index + 1, index + 3), 16));
      index += 2;
    } else {
      bytes.push(encoded.charCodeAt(index));
    }
  }
  return Uint8Array.from(bytes);
}
