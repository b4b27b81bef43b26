/**
 * Sharding without a proxy: the npm `memcached` client given three
 * litecached instances hashes keys over them itself (ketama over md5, the
 * library's default). Same checks as the nutcracker recipe: spread, kill -9,
 * restart on the same database, every key back.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import Memcached from "memcached";
import { InstancePool } from "./support/pool.ts";

/** Real processes on a busy machine: more than bun's 5 s default, hooks included. */
setDefaultTimeout(60_000);

const INSTANCE_COUNT = 3;
const KEY_COUNT = 10_000;
const MIN_SHARE = 0.2;
const KILLED = 2;
/** Requests in flight at once: the library queues the rest per connection anyway. */
const CONCURRENCY = 200;
const KEYS_PER_GET = 100;
const SLOW_TEST_MS = 120_000;
const RECONNECT_TIMEOUT_MS = 30_000;

/**
 * The client options README.md recommends for litecached: never drop an
 * instance from the ring (remove: false, failures high), so a restarted
 * instance gets its own keys back, and try a failed one again soon.
 */
/** Options the library reads (lib/memcached.js) that its type definitions leave out. */
interface PoolRetryOptions {
  minTimeout: number;
  maxTimeout: number;
}

const CLIENT_OPTIONS: Memcached.options & PoolRetryOptions = {
  remove: false,
  failures: 1_000_000,
  retry: 200,
  reconnect: 200,
  timeout: 5000,
  poolSize: 10,
  // Wait for a free pooled connection rather than fail at once.
  retries: 10,
  minTimeout: 10,
  maxTimeout: 200,
};

const items = new Map<string, string>();
for (let index = 0; index < KEY_COUNT; index++) {
  items.set(`session:${index}`, `s${index}:${"y".repeat(index % 300)}`);
}
const keys = [...items.keys()];

let pool: InstancePool;
let client: Memcached;
let owners: number[] = [];

beforeAll(async () => {
  pool = await InstancePool.start(INSTANCE_COUNT);
  client = new Memcached(
    pool.ports.map((port) => `127.0.0.1:${port}`),
    CLIENT_OPTIONS,
  );
});

afterAll(async () => {
  client?.end();
  await pool?.stop();
});

function set(key: string, value: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.set(key, value, 0, (error) => (error ? reject(error) : resolve()));
  });
}

function getMulti(batch: string[]): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    client.getMulti(batch, (error, data) => (error ? reject(error) : resolve(data)));
  });
}

function get(key: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    client.get(key, (error, data) => (error ? reject(error) : resolve(data)));
  });
}

async function inBatches<T>(list: T[], size: number, run: (batch: T[]) => Promise<void>) {
  for (let start = 0; start < list.length; start += size)
    await run(list.slice(start, start + size));
}

async function readEverything(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  await inBatches(keys, KEYS_PER_GET * 10, async (chunk) => {
    const batches: string[][] = [];
    for (let start = 0; start < chunk.length; start += KEYS_PER_GET) {
      batches.push(chunk.slice(start, start + KEYS_PER_GET));
    }
    for (const data of await Promise.all(batches.map(getMulti))) {
      for (const [key, value] of Object.entries(data)) found.set(key, value);
    }
  });
  return found;
}

describe("client-side consistent hashing with the npm memcached client", () => {
  test(
    "Should spread 10,000 keys over all three instances and read them back",
    async () => {
      await inBatches(keys, CONCURRENCY, async (batch) => {
        await Promise.all(batch.map((key) => set(key, items.get(key) as string)));
      });
      owners = await pool.expectSpread(keys, MIN_SHARE);
      expect(await readEverything()).toEqual(items);
    },
    SLOW_TEST_MS,
  );

  test(
    "Should fail only the keys of a killed instance",
    async () => {
      await pool.kill(KILLED);
      const lostKey = keys[owners.indexOf(KILLED)] as string;
      const keptKey = keys[owners.findIndex((owner) => owner !== KILLED)] as string;
      const lost = await get(lostKey).then(
        (value) => ({ value }),
        (error: unknown) => ({ error: String(error) }),
      );
      expect(lost).toEqual({ error: expect.stringMatching(/ECONNREFUSED|not available/) });
      expect(await get(keptKey)).toBe(items.get(keptKey) as string);
    },
    SLOW_TEST_MS,
  );

  test(
    "Should give back every key once the killed instance restarts on its database",
    async () => {
      await pool.restart(KILLED);
      // The client tries a failed instance again `retry` ms after a failure
      // (or, after several, once `ping` answers and `reconnect` ms passed).
      const lostKey = keys[owners.indexOf(KILLED)] as string;
      const deadline = Date.now() + RECONNECT_TIMEOUT_MS;
      while ((await get(lostKey).catch(() => undefined)) === undefined) {
        if (Date.now() > deadline) throw new Error("the client did not reconnect in time");
        await Bun.sleep(CLIENT_OPTIONS.retry ?? 0);
      }
      expect(await readEverything()).toEqual(items);
    },
    SLOW_TEST_MS,
  );
});
