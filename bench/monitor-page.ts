/**
 * How long the monitor's pages take with many keys: seeds a database through
 * the memcached port (pipelined sets, bench/pipelined-sets.ts), then asks for
 * the page and the key API at the start, middle and end of the key space and
 * prints the server's own time (Server-Timing), the round trip and the size.
 *
 *   bun bench/monitor-page.ts [--keys 1000000] [--database path] [--binary dist/litecached]
 *
 * A --database that already holds the keys is reused, so a second run skips
 * the seeding.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { StatsJson } from "../client/shared/api-types.ts";
import { REPOSITORY_ROOT, startServer, temporaryDirectory } from "../test/support/server.ts";
import { benchKey } from "./keys.ts";

const { values: options } = parseArgs({
  options: {
    keys: { type: "string", default: "1000000" },
    database: { type: "string" },
    binary: { type: "string" },
    rounds: { type: "string", default: "50" },
  },
});
const keyCount = Number(options.keys);
const rounds = Number(options.rounds);
const databasePath = options.database ?? join(temporaryDirectory("litecached-bench-"), "db.sqlite");

const server = await startServer({
  databasePath,
  command: options.binary === undefined ? undefined : [options.binary],
});
const base = `http://127.0.0.1:${server.httpPort}`;

async function stats(): Promise<StatsJson> {
  return (await (await fetch(`${base}/api/stats`)).json()) as StatsJson;
}

try {
  const stored = (await stats()).items;
  if (stored < keyCount) {
    const seed = Bun.spawnSync(
      [
        process.execPath,
        join(REPOSITORY_ROOT, "bench", "pipelined-sets.ts"),
        "--port",
        String(server.port),
        "--first",
        String(stored),
        "--count",
        String(keyCount - stored),
        "--value-bytes",
        "100",
      ],
      { stdout: "pipe", stderr: "inherit" },
    );
    console.log(`seeded: ${seed.stdout.toString().trim()}`);
  }
  const { items, databaseBytes } = await stats();
  console.log(`${items} items, database ${(databaseBytes / 1024 / 1024).toFixed(0)} MiB`);

  const middle = benchKey("key:", Math.floor(keyCount / 2));
  const last = benchKey("key:", keyCount - 1);
  const paths = [
    "/",
    `/?after=${middle}`,
    `/?before=${last}`,
    `/?prefix=${benchKey("key:", keyCount - 1).slice(0, -3)}`,
    "/?prefix=nothing-has-this-prefix",
    "/api/keys",
    `/api/keys?after=${middle}`,
    `/api/keys/${middle}`,
    "/api/stats",
    "/metrics",
  ];
  console.log("path".padEnd(44), "server ms (median, p90)  round trip ms  bytes");
  for (const path of paths) {
    const serverMs: number[] = [];
    const roundTripMs: number[] = [];
    let bytes = 0;
    for (let round = 0; round < rounds; round++) {
      const started = performance.now();
      const response = await fetch(base + path);
      bytes = (await response.arrayBuffer()).byteLength;
      roundTripMs.push(performance.now() - started);
      const timing = /app;dur=([\d.]+)/.exec(response.headers.get("server-timing") ?? "");
      serverMs.push(Number(timing?.[1] ?? Number.NaN));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
    const p90 = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.9)];
    console.log(
      path.padEnd(44),
      `${median(serverMs)?.toFixed(2)}, ${p90(serverMs)?.toFixed(2)}`.padEnd(24),
      (median(roundTripMs) ?? 0).toFixed(2).padEnd(14),
      bytes,
    );
  }
} finally {
  await server.stop();
}
