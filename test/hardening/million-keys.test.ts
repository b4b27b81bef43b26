/**
 * The monitor with a million keys, against the real process: seeded through
 * the memcached port, the page and the key API must still list the right
 * keys at the start, deep in the middle and under a prefix, and the
 * memcached port must keep answering while pages are loaded. Times are
 * printed for the record, not asserted: the benchmark owns performance.
 */
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { benchKey } from "../../bench/keys.ts";
import { runCommand } from "../support/command.ts";
import { REPOSITORY_ROOT, type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const KEY_COUNT = 1_000_000;
const PREFIX = "key:";

let server: RunningServer | undefined;
afterAll(async () => {
  await server?.kill();
});

interface KeyPageJson {
  keys: Array<{ key: string }>;
  next: string | null;
}

/** Seeds KEY_COUNT small items with the benchmark's pipelining client. */
async function seed(port: number): Promise<void> {
  const { exitCode, stdout, stderr } = await runCommand([
    process.execPath,
    join(REPOSITORY_ROOT, "bench", "pipelined-sets.ts"),
    ...["--port", String(port), "--count", String(KEY_COUNT), "--prefix", PREFIX],
    ...["--value-bytes", "16", "--connections", "4", "--depth", "256"],
  ]);
  if (exitCode !== 0) throw new Error(`seeding failed: ${stderr}`);
  expect(JSON.parse(stdout).sets).toBe(KEY_COUNT);
}

async function timedFetch(url: string): Promise<{ response: Response; appMs: number }> {
  const response = await fetch(url);
  const timing = response.headers.get("server-timing") ?? "";
  return { response, appMs: Number(/dur=([\d.]+)/.exec(timing)?.[1] ?? Number.NaN) };
}

test(
  "Should list the right keys on the page and the API with a million keys stored",
  async () => {
    server = await startServer();
    const started = performance.now();
    await seed(server.port);
    console.log(`million keys: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const origin = `http://127.0.0.1:${server.httpPort}`;

    const stats = await (await fetch(`${origin}/api/stats`)).json();
    expect(stats.items).toBe(KEY_COUNT);

    const first = await timedFetch(`${origin}/api/keys?limit=100`);
    const firstPage = (await first.response.json()) as KeyPageJson;
    expect(firstPage.keys.map((entry) => entry.key)).toEqual(
      Array.from({ length: 100 }, (_, index) => benchKey(PREFIX, index)),
    );

    const middleKey = benchKey(PREFIX, 600_000);
    const deep = await timedFetch(`${origin}/api/keys?after=${encodeURIComponent(middleKey)}`);
    const deepPage = (await deep.response.json()) as KeyPageJson;
    expect(deepPage.keys[0]?.key).toBe(benchKey(PREFIX, 600_001));
    expect(deepPage.keys).toHaveLength(100);

    const last = await timedFetch(`${origin}/api/keys?after=${benchKey(PREFIX, KEY_COUNT - 3)}`);
    const lastPage = (await last.response.json()) as KeyPageJson;
    expect(lastPage.keys.map((entry) => entry.key)).toEqual([
      benchKey(PREFIX, KEY_COUNT - 2),
      benchKey(PREFIX, KEY_COUNT - 1),
    ]);
    expect(lastPage.next).toBeNull();

    const prefix = `${PREFIX}00009999`;
    const prefixed = await timedFetch(`${origin}/api/keys?prefix=${encodeURIComponent(prefix)}`);
    const prefixPage = (await prefixed.response.json()) as KeyPageJson;
    expect(prefixPage.keys).toHaveLength(100);
    expect(prefixPage.keys.every((entry) => entry.key.startsWith(prefix))).toBe(true);

    const page = await timedFetch(`${origin}/?after=${encodeURIComponent(middleKey)}`);
    const html = await page.response.text();
    expect(page.response.status).toBe(200);
    expect(html.match(/class="key-row"/g)).toHaveLength(100);
    expect(html).toContain(benchKey(PREFIX, 600_100));
    expect(html).not.toContain(benchKey(PREFIX, 600_101));

    // Median app time of RUNS loads. The page's counts: exact without a prefix (the store's counter), capped
    // index range reads otherwise ("of more than 10,000"), and the position
    // of a deep page capped the same way.
    const measured: string[] = [];
    const RUNS = 7;
    const measure = async (label: string, path: string): Promise<string> => {
      const times: number[] = [];
      let body = "";
      for (let run = 0; run < RUNS; run++) {
        const plain = await timedFetch(`${origin}${path}`);
        body = await plain.response.text();
        times.push(plain.appMs);
      }
      times.sort((a, b) => a - b);
      // Bun's fetch would decompress the body; count the bytes that cross the wire instead.
      const gzip = await fetch(`${origin}${path}`, {
        headers: { "accept-encoding": "gzip" },
        decompress: false,
      });
      const packed = (await gzip.arrayBuffer()).byteLength;
      measured.push(`${label} ${times[RUNS >> 1]} ms, ${body.length} B (${packed} B gzip)`);
      return body;
    };
    expect(await measure("page", "/")).toContain("1–100 of 1,000,000 keys");
    expect(await measure("deep page", `/?after=${encodeURIComponent(middleKey)}`)).toContain(
      "100 keys past the first 10,000, of 1,000,000 keys",
    );
    expect(await measure("page under key:", `/?prefix=${PREFIX}`)).toContain(
      "1–100 of more than 10,000 keys starting with “key:”",
    );
    expect(await measure("page under key:000009", `/?prefix=${PREFIX}000009`)).toContain(
      "1–100 of 10,000 keys starting with “key:000009”",
    );
    expect(await measure("list fragment, deep", `/fragments/keys?after=${middleKey}`)).toContain(
      'class="key-list-view"',
    );
    expect(await measure("charts fragment", "/fragments/history")).toContain('class="chart"');
    expect(await measure("history JSON", "/api/history")).toContain('"samples"');
    console.log(`million keys: ${measured.join("; ")}`);

    // The memcached port answers between page loads: each get is timed.
    const client = await TestClient.connect(server.port);
    const latencies: number[] = [];
    for (let round = 0; round < 20; round++) {
      await (await fetch(`${origin}/?prefix=${PREFIX}000${round}`)).text();
      const sent = performance.now();
      const value = await client.get(benchKey(PREFIX, round * 49_999));
      latencies.push(performance.now() - sent);
      expect(value).toBeDefined();
    }
    client.close();
    latencies.sort((a, b) => a - b);
    console.log(
      `million keys: app time first page ${first.appMs} ms, deep ${deep.appMs} ms, ` +
        `prefix ${prefixed.appMs} ms, HTML page ${page.appMs} ms (${html.length} bytes); ` +
        `get between page loads median ${latencies[10]?.toFixed(2)} ms`,
    );
  },
  { timeout: 120_000 },
);
