/**
 * A steady write load: one connection overwrites random seeded keys
 * (benchKey(prefix, 0..keys-1)) at a fixed rate, a small pipelined batch
 * every TICK_MS, so that a server's event streams have changes to send
 * while get latency is measured. A batch is skipped (and counted) while the
 * previous one is unanswered: the rate is a ceiling, not a backlog.
 *
 *   bun bench/write-load.ts --port P --keys N --rate SETS_PER_SECOND --seconds S
 *     [--prefix key:] [--value-bytes 1024]
 *
 * Prints one JSON line: { "sets": …, "setsPerSecond": …, "skippedBatches": … }.
 */
import { parseArgs } from "node:util";
import { benchKey, benchValue } from "./keys.ts";

const TICK_MS = 10;
const STORED = new TextEncoder().encode("STORED\r\n");

const { values: options } = parseArgs({
  options: {
    port: { type: "string" },
    keys: { type: "string" },
    rate: { type: "string" },
    seconds: { type: "string" },
    prefix: { type: "string", default: "key:" },
    "value-bytes": { type: "string", default: "1024" },
  },
});
const port = Number(options.port);
const keyCount = Number(options.keys);
const rate = Number(options.rate);
const seconds = Number(options.seconds);
if (!Number.isInteger(port) || !(keyCount > 0) || !(rate > 0) || !(seconds > 0)) {
  console.error("usage: write-load.ts --port P --keys N --rate R --seconds S");
  process.exit(2);
}

const valueBytes = Number(options["value-bytes"]);
const value = new TextDecoder().decode(benchValue(valueBytes));
const perBatch = Math.max(1, Math.round((rate * TICK_MS) / 1000));
let awaitedBytes = 0;
let receivedBytes = 0;
let skippedBatches = 0;
/** Bytes the socket did not take yet, sent from `drain`. */
let unsent: Uint8Array | undefined;

function send(bytes: Uint8Array): void {
  const written = socket.write(bytes);
  if (written < 0) fail("the connection closed while sending");
  unsent = written < bytes.length ? bytes.subarray(written) : undefined;
}

function fail(message: string): never {
  console.error(`write-load: ${message}`);
  process.exit(1);
}

const socket = await Bun.connect({
  hostname: "127.0.0.1",
  port,
  socket: {
    data(_socket, chunk) {
      // Every reply must be STORED, wherever the chunks split them.
      for (let index = 0; index < chunk.length; index++) {
        if (chunk[index] !== STORED[(receivedBytes + index) % STORED.length]) {
          const text = new TextDecoder().decode(chunk.subarray(index, index + 80));
          fail(`expected only STORED replies, got ${JSON.stringify(text)}`);
        }
      }
      receivedBytes += chunk.length;
    },
    drain() {
      if (unsent !== undefined) send(unsent);
    },
    close() {
      if (performance.now() < deadline) fail("the server closed the connection");
    },
    error(_socket, error) {
      fail(error.message);
    },
  },
});
socket.setNoDelay(true);

const started = performance.now();
const deadline = started + seconds * 1000;
const timer = setInterval(() => {
  if (performance.now() >= deadline) {
    clearInterval(timer);
    finish();
    return;
  }
  if (receivedBytes < awaitedBytes) {
    skippedBatches++;
    return;
  }
  let batch = "";
  for (let index = 0; index < perBatch; index++) {
    const key = benchKey(options.prefix, Math.floor(Math.random() * keyCount));
    batch += `set ${key} 0 0 ${valueBytes}\r\n${value}\r\n`;
  }
  awaitedBytes += perBatch * STORED.length;
  send(new TextEncoder().encode(batch));
}, TICK_MS);

function finish(): void {
  const elapsed = (performance.now() - started) / 1000;
  // Sets answered; those still in flight at the deadline are not counted.
  const stored = Math.floor(receivedBytes / STORED.length);
  console.log(JSON.stringify({ sets: stored, setsPerSecond: stored / elapsed, skippedBatches }));
  socket.end();
  process.exit(0);
}
