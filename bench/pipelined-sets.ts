/**
 * A pipelining set client (memaslap waits for every reply, so it cannot
 * pipeline): each connection keeps up to two batches of `set` commands in
 * flight and counts the STORED replies. Used for the durable-writes load and
 * to seed a million keys through the memcached port.
 *
 *   bun bench/pipelined-sets.ts --port P [--connections 4] [--depth 64]
 *     [--value-bytes 1024] [--prefix key:] [--first 0] (--count N | --seconds S)
 *
 * Prints one JSON line: { "sets": …, "seconds": …, "setsPerSecond": … }.
 */
import { parseArgs } from "node:util";
import type { Socket } from "bun";
import { benchKey, benchValue, KEY_DIGITS, writeIndexDigits } from "./keys.ts";

const STORED = "STORED\r\n";
const STORED_LENGTH = STORED.length;
const ASCII_S = 0x53;
const ASCII_CR = 0x0d;

const { values: options } = parseArgs({
  options: {
    port: { type: "string" },
    connections: { type: "string", default: "4" },
    depth: { type: "string", default: "64" },
    "value-bytes": { type: "string", default: "1024" },
    prefix: { type: "string", default: "key:" },
    first: { type: "string", default: "0" },
    count: { type: "string" },
    seconds: { type: "string" },
  },
});

const port = Number(options.port);
const connectionCount = Number(options.connections);
const depth = Number(options.depth);
const valueBytes = Number(options["value-bytes"]);
const prefix = options.prefix;
const first = Number(options.first);
const end = options.count === undefined ? Number.POSITIVE_INFINITY : first + Number(options.count);
if (!Number.isInteger(port) || (options.count === undefined) === (options.seconds === undefined)) {
  console.error("usage: pipelined-sets.ts --port P (--count N | --seconds S) [options]");
  process.exit(2);
}

/** One batch of `depth` set commands; each copy gets its own key digits. */
const header = `set ${benchKey(prefix, 0)} 0 0 ${valueBytes}\r\n`;
const keyDigitsOffset = "set ".length + prefix.length;
const commandLength = header.length + valueBytes + 2;
const template = new Uint8Array(commandLength * depth);
{
  const encodedHeader = new TextEncoder().encode(header);
  const value = benchValue(valueBytes);
  for (let command = 0; command < depth; command++) {
    const offset = command * commandLength;
    template.set(encodedHeader, offset);
    template.set(value, offset + encodedHeader.length);
    template[offset + commandLength - 2] = ASCII_CR;
    template[offset + commandLength - 1] = 0x0a;
  }
}
if (KEY_DIGITS + keyDigitsOffset > header.length) throw new Error("key does not fit the header");

interface Connection {
  socket: Socket<undefined>;
  /** Sets sent and not yet answered. */
  outstanding: number;
  /** Reply bytes received, to check STORED replies across chunk boundaries. */
  received: number;
  unsent: Uint8Array[];
}

let nextIndex = first;
let sending = true;
let acknowledged = 0;
let lastAckMs = 0;
const connections: Connection[] = [];
const startMs = performance.now();

function sendBatch(connection: Connection): boolean {
  if (!sending) return false;
  const count = Math.min(depth, end - nextIndex);
  if (count <= 0) return false;
  const batch = template.slice(0, count * commandLength);
  for (let command = 0; command < count; command++) {
    writeIndexDigits(batch, command * commandLength + keyDigitsOffset, nextIndex + command);
  }
  nextIndex += count;
  connection.outstanding += count;
  write(connection, batch);
  return true;
}

function write(connection: Connection, bytes: Uint8Array): void {
  if (connection.unsent.length > 0) {
    connection.unsent.push(bytes);
    return;
  }
  const written = connection.socket.write(bytes);
  if (written < 0) fail("connection closed while sending");
  if (written < bytes.length) connection.unsent.push(bytes.subarray(written));
}

function drain(connection: Connection): void {
  while (connection.unsent.length > 0) {
    const bytes = connection.unsent[0] as Uint8Array;
    const written = connection.socket.write(bytes);
    if (written < 0) fail("connection closed while sending");
    if (written < bytes.length) {
      connection.unsent[0] = bytes.subarray(written);
      return;
    }
    connection.unsent.shift();
  }
}

/** Every reply must be STORED: check its first byte and its CR, 8 bytes apart. */
function receive(connection: Connection, chunk: Uint8Array): void {
  const phase = connection.received % STORED_LENGTH;
  for (let index = (STORED_LENGTH - phase) % STORED_LENGTH; index < chunk.length; index += 8) {
    if (chunk[index] !== ASCII_S) unexpectedReply(chunk, index);
  }
  const crPhase = (STORED_LENGTH - 2 - phase + STORED_LENGTH) % STORED_LENGTH;
  for (let index = crPhase; index < chunk.length; index += 8) {
    if (chunk[index] !== ASCII_CR) unexpectedReply(chunk, index);
  }
  const before = Math.floor(connection.received / STORED_LENGTH);
  connection.received += chunk.length;
  const replies = Math.floor(connection.received / STORED_LENGTH) - before;
  if (replies === 0) return;
  connection.outstanding -= replies;
  acknowledged += replies;
  lastAckMs = performance.now();
  while (connection.outstanding <= depth && sendBatch(connection)) {}
  if (connection.outstanding === 0) finishIfIdle();
}

function finishIfIdle(): void {
  if (connections.some((connection) => connection.outstanding > 0)) return;
  if (sending && nextIndex < end) return;
  const seconds = (lastAckMs - startMs) / 1000;
  console.log(
    JSON.stringify({ sets: acknowledged, seconds, setsPerSecond: acknowledged / seconds }),
  );
  for (const connection of connections) connection.socket.end();
  process.exit(0);
}

function unexpectedReply(chunk: Uint8Array, index: number): never {
  const text = new TextDecoder().decode(chunk.subarray(Math.max(0, index - 8), index + 80));
  return fail(`expected only STORED replies, got …${JSON.stringify(text)}`);
}

function fail(message: string): never {
  console.error(`pipelined-sets: ${message}`);
  process.exit(1);
}

for (let index = 0; index < connectionCount; index++) {
  const connection: Connection = {
    socket: undefined as unknown as Socket<undefined>,
    outstanding: 0,
    received: 0,
    unsent: [],
  };
  connection.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_socket, chunk) => receive(connection, chunk),
      drain: () => drain(connection),
      close: () => {
        if (connection.outstanding > 0) fail("the server closed the connection");
      },
      error: (_socket, error) => fail(error.message),
    },
  });
  connection.socket.setNoDelay(true);
  connections.push(connection);
}
for (const connection of connections) {
  sendBatch(connection);
  sendBatch(connection);
}
if (options.seconds !== undefined) {
  setTimeout(() => {
    sending = false;
    finishIfIdle();
  }, Number(options.seconds) * 1000);
}
