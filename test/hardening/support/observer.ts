/**
 * A well-behaved memcached client run as its own process while a test
 * storms the server, so that its latencies measure the server and not the
 * busy test process. Usage: bun observer.ts <port> <seed>. It stores and
 * reads back its own keys in a loop, checking every reply, until a line
 * arrives on stdin; then it prints one JSON line:
 * {"rounds": n, "worstMs": ms, "medianMs": ms, "error": "..." | null}.
 */

import { Random } from "../../support/random.ts";
import { TestClient } from "../../support/test-client.ts";

const port = Number(process.argv[2]);
const random = new Random(Number(process.argv[3] ?? 1));

let stop = false;
void (async () => {
  for await (const _ of console) {
    stop = true;
    break;
  }
  stop = true;
})();

const latencies: number[] = [];
let error: string | null = null;
try {
  const client = await TestClient.connect(port);
  const stored = new Map<string, Uint8Array>();
  while (!stop) {
    const key = `observer:${random.below(16)}`;
    const started = performance.now();
    if (random.chance(0.5) || !stored.has(key)) {
      const value = random.bytes(random.between(0, 2000));
      const reply = await client.set(key, value, 0, 5_000);
      if (reply !== "STORED") throw new Error(`set ${key}: ${reply}`);
      stored.set(key, value);
    } else {
      const value = await client.get(key, 5_000);
      if (value === undefined || !Bun.deepEquals(value, stored.get(key))) {
        throw new Error(`get ${key} returned a wrong value`);
      }
    }
    latencies.push(performance.now() - started);
    await Bun.sleep(2);
  }
  client.close();
} catch (caught) {
  error = caught instanceof Error ? caught.message : String(caught);
}
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    rounds: latencies.length,
    worstMs: latencies[latencies.length - 1] ?? 0,
    medianMs: latencies[Math.floor(latencies.length / 2)] ?? 0,
    error,
  }),
);
process.exit(0);
