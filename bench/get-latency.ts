/**
 * Measures the round trip of single gets: one connection, one request in
 * flight, random keys among those seeded (benchKey(prefix, 0..keys-1)).
 *
 *   bun bench/get-latency.ts --port P --keys N --seconds S [--prefix key:]
 *
 * Prints one JSON line with the count, misses and percentiles in microseconds.
 */
import { parseArgs } from "node:util";
import { benchKey } from "./keys.ts";
import { percentileOfSorted } from "./statistics.ts";

const END = new TextEncoder().encode("END\r\n");
/** Requests before timing starts: connection setup and the first cold pages. */
const WARMUP_REQUESTS = 200;

const { values: options } = parseArgs({
  options: {
    port: { type: "string" },
    keys: { type: "string" },
    seconds: { type: "string" },
    prefix: { type: "string", default: "key:" },
  },
});
const port = Number(options.port);
const keyCount = Number(options.keys);
const seconds = Number(options.seconds);
if (!Number.isInteger(port) || !(keyCount > 0) || !(seconds > 0)) {
  console.error("usage: get-latency.ts --port P --keys N --seconds S [--prefix key:]");
  process.exit(2);
}

let pending: (() => void) | undefined;
let finished = false;
let reply = new Uint8Array(0);

function endsWithEnd(bytes: Uint8Array): boolean {
  if (bytes.length < END.length) return false;
  for (let index = 0; index < END.length; index++) {
    if (bytes[bytes.length - END.length + index] !== END[index]) return false;
  }
  return true;
}

const socket = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: {
    data(_socket, chunk) {
      const joined = new Uint8Array(reply.length + chunk.length);
      joined.set(reply);
      joined.set(chunk, reply.length);
      reply = joined;
      if (endsWithEnd(reply)) pending?.();
    },
    close() {
      if (finished) return;
      console.error("get-latency: the server closed the connection");
      process.exit(1);
    },
    error(_socket, error) {
      console.error(`get-latency: ${error.message}`);
      process.exit(1);
    },
  },
});
socket.setNoDelay(true);

/** One get; resolves with whether it was a hit. */
function get(key: string): Promise<boolean> {
  reply = new Uint8Array(0);
  return new Promise((resolve) => {
    pending = () => {
      pending = undefined;
      resolve(reply.length > END.length);
    };
    socket.write(`get ${key}\r\n`);
  });
}

const randomKey = (): string => benchKey(options.prefix, Math.floor(Math.random() * keyCount));
for (let request = 0; request < WARMUP_REQUESTS; request++) await get(randomKey());

const samples: number[] = [];
let misses = 0;
const deadline = performance.now() + seconds * 1000;
while (performance.now() < deadline) {
  const key = randomKey();
  const started = Bun.nanoseconds();
  const hit = await get(key);
  samples.push((Bun.nanoseconds() - started) / 1000);
  if (!hit) misses++;
}
finished = true;
socket.end();

const sorted = Float64Array.from(samples).sort();
console.log(
  JSON.stringify({
    gets: sorted.length,
    misses,
    p50Micros: percentileOfSorted(sorted, 50),
    p99Micros: percentileOfSorted(sorted, 99),
    p999Micros: percentileOfSorted(sorted, 99.9),
    maxMicros: sorted[sorted.length - 1] ?? Number.NaN,
  }),
);
process.exit(0);
