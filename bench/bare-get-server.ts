/**
 * Bun's floor on this machine: the least a Bun.listen server can do per
 * request. It speaks just enough of memcached's text protocol for memaslap's
 * get-only run (set, get of one key, and the stats the bench reads), keeps
 * values in a Map, and answers each data event with one write, as
 * litecached does. Whatever litecached spends above this server's CPU per
 * get is its own code; what this server spends above memcached's is the
 * runtime's (the socket layer, the event loop, JavaScript calls).
 *
 *   bun bench/bare-get-server.ts --port P
 */
import { parseArgs } from "node:util";
import type { Socket } from "bun";

const { values: options } = parseArgs({ options: { port: { type: "string" } } });
const port = Number(options.port);

const CR = 0x0d;
const LF = 0x0a;
const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");
const STORED = encoder.encode("STORED\r\n");
const END = encoder.encode("END\r\n");
const VALUE_END = encoder.encode("\r\nEND\r\n");

const values = new Map<string, Uint8Array>();
let gets = 0;
let sets = 0;

/** Bytes received and not yet parsed, per connection. */
interface Pending {
  input: Uint8Array;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const joined = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}

function lineEnd(input: Uint8Array, from: number): number {
  for (let index = from; index + 1 < input.length; index++) {
    if (input[index] === CR && input[index + 1] === LF) return index;
  }
  return -1;
}

/** Answers every complete request in `input`; returns the bytes left over. */
function answer(input: Uint8Array, replies: Uint8Array[]): Uint8Array {
  let start = 0;
  for (;;) {
    const end = lineEnd(input, start);
    if (end < 0) break;
    const words = decoder.decode(input.subarray(start, end)).split(" ");
    if (words[0] === "get") {
      gets++;
      const key = words[1] as string;
      const value = values.get(key);
      if (value !== undefined)
        replies.push(encoder.encode(`VALUE ${key} 0 ${value.length}\r\n`), value, VALUE_END);
      else replies.push(END);
      start = end + 2;
    } else if (words[0] === "set") {
      const length = Number(words[4]);
      if (input.length < end + 2 + length + 2) break;
      values.set(words[1] as string, input.slice(end + 2, end + 2 + length));
      sets++;
      replies.push(STORED);
      start = end + 2 + length + 2;
    } else if (words[0] === "stats") {
      replies.push(encoder.encode(`STAT cmd_get ${gets}\r\nSTAT cmd_set ${sets}\r\nEND\r\n`));
      start = end + 2;
    } else {
      replies.push(encoder.encode("ERROR\r\n"));
      start = end + 2;
    }
  }
  return input.subarray(start);
}

Bun.listen<Pending>({
  hostname: "127.0.0.1",
  port,
  socket: {
    open(socket) {
      socket.data = { input: new Uint8Array(0) };
    },
    data(socket: Socket<Pending>, chunk) {
      const pending = socket.data;
      const input = pending.input.length === 0 ? chunk : concat([pending.input, chunk]);
      const replies: Uint8Array[] = [];
      pending.input = answer(input, replies).slice();
      if (replies.length > 0)
        socket.write(replies.length === 1 ? (replies[0] as Uint8Array) : concat(replies));
    },
  },
});
