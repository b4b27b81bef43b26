/**
 * A get/set mix over keys already stored (benchKey(prefix, 0..keys-1)),
 * for a working set chosen by the caller, which memaslap cannot do (its
 * gets only read keys it set itself in the same run). Like memaslap, each
 * connection has one request in flight; keys are uniformly random.
 *
 *   bun bench/mixed-load.ts --port P --keys N --seconds S [--set-share 0.1]
 *     [--connections 32] [--prefix key:] [--value-bytes 1024]
 *
 * Prints one JSON line: { "ops", "gets", "sets", "misses", "seconds",
 * "opsPerSecond", "clientCpuShare" } (the share of one CPU this client
 * used: near 1, the client and not the server set the pace).
 */
import { parseArgs } from "node:util";
import { benchKey, benchValue } from "./keys.ts";

const { values: options } = parseArgs({
  options: {
    port: { type: "string" },
    keys: { type: "string" },
    seconds: { type: "string" },
    "set-share": { type: "string", default: "0.1" },
    connections: { type: "string", default: "32" },
    prefix: { type: "string", default: "key:" },
    "value-bytes": { type: "string", default: "1024" },
  },
});
const port = Number(options.port);
const keyCount = Number(options.keys);
const seconds = Number(options.seconds);
const setShare = Number(options["set-share"]);
const connectionCount = Number(options.connections);
if (!Number.isInteger(port) || !(keyCount > 0) || !(seconds > 0) || !(setShare >= 0)) {
  console.error("usage: mixed-load.ts --port P --keys N --seconds S [--set-share 0.1]");
  process.exit(2);
}

const encoder = new TextEncoder();
const valueBytes = Number(options["value-bytes"]);
const value = new TextDecoder().decode(benchValue(valueBytes));
const STORED = "STORED\r\n";
const END = "END\r\n";
/** A hit is "VALUE <key> <flags> <bytes>\r\n<data>\r\nEND\r\n"; a miss is "END\r\n". */
const HIT_PREFIX = "VALUE ";

let gets = 0;
let sets = 0;
let misses = 0;
let running = true;
const started = performance.now();
const cpuStarted = process.cpuUsage();

interface Connection {
  socket: Awaited<ReturnType<typeof Bun.connect>>;
  /** Reply bytes so far, and what ends the reply awaited. */
  reply: string;
  awaiting: "get" | "set";
}

function fail(message: string): never {
  console.error(`mixed-load: ${message}`);
  process.exit(1);
}

function next(connection: Connection): void {
  if (!running) return;
  const key = benchKey(options.prefix, Math.floor(Math.random() * keyCount));
  connection.reply = "";
  if (Math.random() < setShare) {
    connection.awaiting = "set";
    write(connection, `set ${key} 0 0 ${valueBytes}\r\n${value}\r\n`);
  } else {
    connection.awaiting = "get";
    write(connection, `get ${key}\r\n`);
  }
}

function write(connection: Connection, text: string): void {
  const bytes = encoder.encode(text);
  // Requests are small: a short write only happens on a full socket buffer, never here.
  if (connection.socket.write(bytes) !== bytes.length) fail("a request was not sent whole");
}

function receive(connection: Connection, chunk: Uint8Array): void {
  connection.reply += new TextDecoder().decode(chunk);
  if (connection.awaiting === "set") {
    if (connection.reply.length < STORED.length) return;
    if (connection.reply !== STORED)
      fail(`expected STORED, got ${JSON.stringify(connection.reply)}`);
    sets++;
  } else {
    if (!connection.reply.endsWith(END)) return;
    if (connection.reply === END) misses++;
    else if (!connection.reply.startsWith(HIT_PREFIX)) {
      fail(`unexpected reply ${JSON.stringify(connection.reply.slice(0, 80))}`);
    }
    gets++;
  }
  next(connection);
}

const connections: Connection[] = [];
for (let index = 0; index < connectionCount; index++) {
  const connection = { reply: "", awaiting: "get" } as Connection;
  connection.socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_socket, chunk) => receive(connection, chunk),
      close: () => {
        if (running) fail("the server closed a connection");
      },
      error: (_socket, error) => fail(error.message),
    },
  });
  connection.socket.setNoDelay(true);
  connections.push(connection);
}
for (const connection of connections) next(connection);

setTimeout(() => {
  running = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  const ops = gets + sets;
  console.log(
    JSON.stringify({
      ops,
      gets,
      sets,
      misses,
      seconds: elapsed,
      opsPerSecond: ops / elapsed,
      clientCpuShare: (cpu.user + cpu.system) / 1e6 / elapsed,
    }),
  );
  for (const connection of connections) connection.socket.end();
  process.exit(0);
}, seconds * 1000);
