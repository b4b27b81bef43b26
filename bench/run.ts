/**
 * `npm run bench`: litecached side by side with Debian's memcached.
 *
 * Both servers run pinned to CPU 0 and every load generator to CPU 1;
 * memcached and litecached take turns, round after round, and the table
 * shows medians. Prints one table and writes it to bench/RESULTS.md.
 *
 *   npm run bench                  full run (about 8 minutes)
 *   npm run bench -- --quick       smoke run (about a minute, RESULTS.md untouched)
 *   npm run bench -- --note "…"    adds a note to RESULTS.md
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  getLatency,
  PIPELINE_CONNECTIONS,
  PIPELINE_DEPTH,
  pageLoop,
  pipelinedSets,
  sqliteInsert,
} from "./clients.ts";
import { type MemaslapLoad, runMemaslap } from "./memaslap.ts";
import {
  formatDuration,
  formatMiB,
  formatMicros,
  formatMillis,
  formatNumber,
  formatPercent,
  formatRate,
  formatRatio,
  type Row,
  resultsMarkdown,
  textTable,
  throughputRow,
  verdict,
} from "./report.ts";
import {
  MEMCACHED_MEMORY_MIB,
  type RunningServer,
  startLitecached,
  startMemcached,
} from "./servers.ts";
import { median } from "./statistics.ts";
import { cpuAccount, ensureTools, machineInfo, requireTwoCpus, toolVersions } from "./system.ts";

interface Profile {
  /** Seconds of each memaslap run. */
  seconds: number;
  /** Runs per server and workload; the table shows the median. */
  rounds: number;
  /** Seconds of each pipelined-set run (each on fresh servers). */
  pipelineSeconds: number;
  /** Keys stored for the memory, latency and startup measurements. */
  seedKeys: number;
  latencySeconds: number;
  /** litecached restarts on the seeded database. */
  startups: number;
}

const FULL: Profile = {
  seconds: 10,
  rounds: 3,
  pipelineSeconds: 5,
  seedKeys: 1_000_000,
  latencySeconds: 10,
  startups: 3,
};

const QUICK: Profile = {
  seconds: 2,
  rounds: 1,
  pipelineSeconds: 2,
  seedKeys: 100_000,
  latencySeconds: 2,
  startups: 1,
};

const VALUE_BYTES = 1024;
const KEY_BYTES = 32;
const CONNECTIONS = 32;
const MULTIGET_KEYS = 100;

const baseLoad = {
  valueBytes: VALUE_BYTES,
  keyBytes: KEY_BYTES,
  concurrency: CONNECTIONS,
  keysPerGet: 1,
  windowSize: "10k",
} as const;

const TARGETS = {
  mix90: 0.75,
  mix50: 0.5,
  pipelinedVsSqlite: 0.5,
  peakRssMiB: 150,
  startupMs: 300,
  getP99Ms: 5,
} as const;

const RESULTS_PATH = join(import.meta.dir, "RESULTS.md");

const { values: options } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    note: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  console.log(
    readFileSync(import.meta.path, "utf8")
      .split("*/", 1)[0]
      ?.replace(/^\/?\s?\*+ ?/gm, ""),
  );
  process.exit(0);
}
const profile = options.quick ? QUICK : FULL;
const seedLabel =
  profile.seedKeys >= 1_000_000
    ? `${profile.seedKeys / 1_000_000}M`
    : `${profile.seedKeys / 1000}k`;

const workDirectory = mkdtempSync(join(tmpdir(), "litecached-bench-"));
const running = new Set<RunningServer>();
const startedMs = performance.now();
const memcachedStartupsMs: number[] = [];
const method: string[] = [];
let databaseCount = 0;

function log(message: string): void {
  const seconds = (performance.now() - startedMs) / 1000;
  console.error(`[${seconds.toFixed(0).padStart(4)} s] ${message}`);
}

function freshDatabasePath(): string {
  databaseCount++;
  return join(workDirectory, `litecached-${databaseCount}.sqlite`);
}

function removeDatabase(path: string): void {
  for (const suffix of ["", "-wal", "-shm", "-journal"])
    rmSync(`${path}${suffix}`, { force: true });
}

async function memcached(): Promise<RunningServer> {
  const server = await startMemcached();
  running.add(server);
  memcachedStartupsMs.push(server.readyMs);
  return server;
}

async function litecached(path: string): Promise<RunningServer> {
  const server = await startLitecached(path);
  running.add(server);
  return server;
}

async function stop(server: RunningServer): Promise<void> {
  running.delete(server);
  await server.stop();
}

/** Runs `measure` on both servers `rounds` times, alternating which goes first. */
async function alternate<T>(
  rounds: number,
  servers: () => Promise<[RunningServer, RunningServer]>,
  measure: (server: RunningServer, round: number) => Promise<T>,
  keepServers: boolean,
): Promise<{ memcached: T[]; litecached: T[] }> {
  const results = { memcached: [] as T[], litecached: [] as T[] };
  let pair = keepServers ? await servers() : undefined;
  for (let round = 0; round < rounds; round++) {
    const [memcachedServer, litecachedServer] = pair ?? (await servers());
    const order =
      round % 2 === 0 ? [memcachedServer, litecachedServer] : [litecachedServer, memcachedServer];
    for (const server of order) results[server.name].push(await measure(server, round));
    if (!keepServers) {
      await stop(memcachedServer);
      await stop(litecachedServer);
    }
  }
  if (pair !== undefined) {
    await stop(pair[0]);
    await stop(pair[1]);
    pair = undefined;
  }
  return results;
}

interface MemaslapRound {
  perSecond: number;
  /** Server CPU time per operation (per key fetched, for multigets). */
  cpuMicrosPerOp: number;
}

/** Share of each memaslap run that a server spent runnable but waiting for its CPU. */
const cpuWaitShares: Record<RunningServer["name"], number[]> = { memcached: [], litecached: [] };

async function memaslapWorkload(
  name: string,
  load: MemaslapLoad,
  unit: string,
  minimumRatio: number | undefined,
): Promise<Row[]> {
  const databasePath = freshDatabasePath();
  const multiget = load.keysPerGet > 1;
  const results = await alternate(
    profile.rounds,
    async () => [await memcached(), await litecached(databasePath)],
    async (server): Promise<MemaslapRound> => {
      const before = server.schedStat();
      const result = await runMemaslap(server.port, load, profile.seconds, workDirectory);
      const after = server.schedStat();
      const perSecond = multiget ? result.gets / result.seconds : result.opsPerSecond;
      const cpuMicrosPerOp =
        (after.cpuNs - before.cpuNs) / 1000 / (multiget ? result.gets : result.ops);
      // A thread that ended during the run takes its counts with it: never below 0.
      const waitShare = Math.max(0, after.waitNs - before.waitNs) / (result.seconds * 1e9);
      cpuWaitShares[server.name].push(waitShare);
      log(
        `${name}: ${server.name} ${formatRate(perSecond, unit)}, ${formatMicros(cpuMicrosPerOp)} CPU per ${multiget ? "key" : "op"}, waited for CPU ${formatPercent(waitShare)} (${result.gets} gets, ${result.sets} sets, ${result.getMisses} misses)`,
      );
      return { perSecond, cpuMicrosPerOp };
    },
    true,
  );
  removeDatabase(databasePath);
  const memcachedCpu = median(results.memcached.map((round) => round.cpuMicrosPerOp));
  const litecachedCpu = median(results.litecached.map((round) => round.cpuMicrosPerOp));
  return [
    throughputRow(
      name,
      median(results.memcached.map((round) => round.perSecond)),
      median(results.litecached.map((round) => round.perSecond)),
      unit,
      minimumRatio,
    ),
    {
      workload: `  server CPU per ${multiget ? "key" : "op"}`,
      memcached: formatMicros(memcachedCpu),
      litecached: formatMicros(litecachedCpu),
      ratio: formatRatio(litecachedCpu / memcachedCpu),
      target: "",
      verdict: "",
    },
  ];
}

async function pipelinedWorkload(): Promise<Row[]> {
  const name = "pipelined sets";
  const paths: string[] = [];
  const results = await alternate(
    profile.rounds,
    async () => {
      const path = freshDatabasePath();
      paths.push(path);
      return [await memcached(), await litecached(path)];
    },
    async (server, round) => {
      const result = await pipelinedSets(
        server.port,
        { seconds: profile.pipelineSeconds },
        `pipe${round}:`,
        VALUE_BYTES,
      );
      log(
        `${name}: ${server.name} ${formatRate(result.setsPerSecond, "sets")} (${result.sets} sets)`,
      );
      return result;
    },
    false,
  );
  for (const path of paths) removeDatabase(path);

  // The limit inserts as many rows as a litecached round stored.
  const rows = Math.max(10_000, Math.round(median(results.litecached.map((r) => r.sets))));
  const limits: number[] = [];
  for (let round = 0; round < profile.rounds; round++) {
    const path = freshDatabasePath();
    const result = await sqliteInsert(path, rows, "pipe0:", VALUE_BYTES);
    removeDatabase(path);
    log(
      `SQLite limit: ${formatRate(result.rowsPerSecond, "rows")} (${rows} rows in one transaction)`,
    );
    limits.push(result.rowsPerSecond);
  }
  const memcachedRate = median(results.memcached.map((r) => r.setsPerSecond));
  const litecachedRate = median(results.litecached.map((r) => r.setsPerSecond));
  const limit = median(limits);
  const ratio = litecachedRate / limit;
  method.push(
    `Pipelined sets: bench/pipelined-sets.ts, ${PIPELINE_CONNECTIONS} connections each keeping up to ${2 * PIPELINE_DEPTH} sets of ${VALUE_BYTES}-byte values in flight, new keys only, ${profile.pipelineSeconds} s per round on fresh servers; every STORED is checked. SQLite limit: bench/sqlite-insert.ts inserts the same rows (${formatNumber(rows)}, the median a litecached round stored) with a plain INSERT in one transaction into a fresh file made by the Store's migrate, WAL, synchronous=NORMAL, exclusive locking, cache_size -32768, pinned to CPU 0; median of ${profile.rounds}.`,
  );
  return [
    throughputRow(name, memcachedRate, litecachedRate, "sets", undefined),
    {
      workload: "durable pipelined sets vs SQLite limit",
      memcached: `SQLite ${formatRate(limit, "rows")}`,
      litecached: formatRate(litecachedRate, "sets"),
      ratio: formatRatio(ratio),
      target: `≥ ${formatNumber(TARGETS.pipelinedVsSqlite, 2)}x SQLite`,
      verdict: verdict(ratio >= TARGETS.pipelinedVsSqlite),
    },
  ];
}

/** Seeds both servers with the same keys, then memory, latency and restart time. */
async function seededWorkloads(): Promise<Row[]> {
  const rows: Row[] = [];
  const databasePath = freshDatabasePath();
  const memcachedServer = await memcached();
  const litecachedServer = await litecached(databasePath);
  const seed = async (server: RunningServer) => {
    const result = await pipelinedSets(
      server.port,
      { count: profile.seedKeys },
      "key:",
      VALUE_BYTES,
    );
    log(
      `seed ${seedLabel} keys: ${server.name} ${formatDuration(result.seconds)} (${formatRate(result.setsPerSecond, "sets")})`,
    );
    return result;
  };
  const memcachedSeed = await seed(memcachedServer);
  const litecachedSeed = await seed(litecachedServer);
  rows.push({
    workload: `seed ${seedLabel} keys (pipelined sets)`,
    memcached: `${formatDuration(memcachedSeed.seconds)} (${formatRate(memcachedSeed.setsPerSecond, "sets")})`,
    litecached: `${formatDuration(litecachedSeed.seconds)} (${formatRate(litecachedSeed.setsPerSecond, "sets")})`,
    ratio: formatRatio(litecachedSeed.setsPerSecond / memcachedSeed.setsPerSecond),
    target: "",
    verdict: "",
  });

  const memcachedRss = memcachedServer.peakRssBytes();
  const litecachedRss = litecachedServer.peakRssBytes();
  log(
    `peak RSS after ${seedLabel} keys: memcached ${formatMiB(memcachedRss)}, litecached ${formatMiB(litecachedRss)}`,
  );
  rows.push({
    workload: `peak RSS with ${seedLabel} keys stored`,
    memcached: formatMiB(memcachedRss),
    litecached: formatMiB(litecachedRss),
    ratio: formatRatio(litecachedRss / memcachedRss),
    target: `< ${TARGETS.peakRssMiB} MiB`,
    verdict: verdict(litecachedRss < TARGETS.peakRssMiB * 1024 * 1024),
  });

  const latency = (server: RunningServer) =>
    getLatency(server.port, profile.seedKeys, "key:", profile.latencySeconds);
  const memcachedLatency = await latency(memcachedServer);
  const litecachedIdle = await latency(litecachedServer);
  const pageUrl = `http://127.0.0.1:${litecachedServer.httpPort}/`;
  await warmPage(pageUrl);
  const pages = pageLoop(pageUrl, profile.latencySeconds + 1);
  await Bun.sleep(300);
  const litecachedLoaded = await latency(litecachedServer);
  const pageResult = await pages;
  log(
    `get latency: memcached p50 ${formatMicros(memcachedLatency.p50Micros)} p99 ${formatMicros(memcachedLatency.p99Micros)}; litecached idle p50 ${formatMicros(litecachedIdle.p50Micros)} p99 ${formatMicros(litecachedIdle.p99Micros)}; with the page loading (${formatRate(pageResult.pagesPerSecond, "pages")}) p50 ${formatMicros(litecachedLoaded.p50Micros)} p99 ${formatMicros(litecachedLoaded.p99Micros)}`,
  );
  if (pageResult.failures > 0 || pageResult.pages === 0) {
    throw new Error(
      `the page loop failed ${pageResult.failures} times (${pageResult.pages} pages)`,
    );
  }
  for (const result of [memcachedLatency, litecachedIdle, litecachedLoaded]) {
    if (result.misses > 0) throw new Error(`${result.misses} gets of seeded keys missed`);
  }
  rows.push(
    {
      workload: "get p50, page idle",
      memcached: formatMicros(memcachedLatency.p50Micros),
      litecached: formatMicros(litecachedIdle.p50Micros),
      ratio: formatRatio(litecachedIdle.p50Micros / memcachedLatency.p50Micros),
      target: "",
      verdict: "",
    },
    {
      workload: "get p99, page idle",
      memcached: formatMicros(memcachedLatency.p99Micros),
      litecached: formatMicros(litecachedIdle.p99Micros),
      ratio: formatRatio(litecachedIdle.p99Micros / memcachedLatency.p99Micros),
      target: "",
      verdict: "",
    },
    {
      workload: "get p50, page reloaded in a loop",
      memcached: formatMicros(memcachedLatency.p50Micros),
      litecached: formatMicros(litecachedLoaded.p50Micros),
      ratio: formatRatio(litecachedLoaded.p50Micros / memcachedLatency.p50Micros),
      target: "",
      verdict: "",
    },
    {
      workload: "get p99, page reloaded in a loop",
      memcached: formatMicros(memcachedLatency.p99Micros),
      litecached: formatMicros(litecachedLoaded.p99Micros),
      ratio: formatRatio(litecachedLoaded.p99Micros / memcachedLatency.p99Micros),
      target: `< ${TARGETS.getP99Ms} ms`,
      verdict: verdict(litecachedLoaded.p99Micros < TARGETS.getP99Ms * 1000),
    },
  );
  // VmHWM is a high-water mark: read again, it also covers the random gets
  // and page loads above (a memory-mapped database would show here).
  const memcachedRssAfterReads = memcachedServer.peakRssBytes();
  const litecachedRssAfterReads = litecachedServer.peakRssBytes();
  rows.push({
    workload: `peak RSS with ${seedLabel} keys, after gets and page loads`,
    memcached: formatMiB(memcachedRssAfterReads),
    litecached: formatMiB(litecachedRssAfterReads),
    ratio: formatRatio(litecachedRssAfterReads / memcachedRssAfterReads),
    target: `< ${TARGETS.peakRssMiB} MiB`,
    verdict: verdict(litecachedRssAfterReads < TARGETS.peakRssMiB * 1024 * 1024),
  });
  method.push(
    `Memory, latency, startup: both servers are seeded with the same ${formatNumber(profile.seedKeys)} keys of ${VALUE_BYTES} bytes through their memcached port by the pipelined set client. Peak RSS is VmHWM from /proc/<pid>/status right after seeding, and again after the latency runs below (memcached runs with -m ${MEMCACHED_MEMORY_MIB} so it keeps every item). VmHWM counts file pages mapped into the process too, so a memory-mapped database (PRAGMA mmap_size) would count against it once read.`,
    `Get latency: bench/get-latency.ts, one connection, one get in flight, random seeded keys, ${profile.latencySeconds} s after 200 warm-up gets; "page reloaded in a loop" runs bench/page-loop.ts (2 concurrent fetch loops of GET / on the monitor port, ${formatRate(pageResult.pagesPerSecond, "pages")}, ${formatNumber(pageResult.bytesPerPage)} bytes each) on CPU 1 at the same time. memcached has no page: its column is always the idle figure.`,
  );

  await stop(memcachedServer);
  await stop(litecachedServer);

  const startups: number[] = [];
  for (let attempt = 0; attempt < profile.startups; attempt++) {
    const server = await litecached(databasePath);
    startups.push(server.readyMs);
    log(
      `startup on ${seedLabel} keys: ${formatMillis(server.readyMs)}, RSS ${formatMiB(server.rssBytes())}`,
    );
    await stop(server);
  }
  removeDatabase(databasePath);
  const startupMs = median(startups);
  const memcachedStartupMs = median(memcachedStartupsMs);
  rows.push({
    workload: `startup on a ${seedLabel}-key database`,
    memcached: `${formatMillis(memcachedStartupMs)} (empty)`,
    litecached: formatMillis(startupMs),
    ratio: formatRatio(startupMs / memcachedStartupMs),
    target: `< ${TARGETS.startupMs} ms`,
    verdict: verdict(startupMs < TARGETS.startupMs),
  });
  method.push(
    `Startup: time from spawning \`taskset -c 0 bun main.ts <database>\` to its ready line on stdout (the one containing "monitor on"), median of ${profile.startups} restarts on the seeded database. memcached keeps nothing across restarts: its figure is the median time from spawn until its port accepted a connection, over every memcached started in this run.`,
  );
  return rows;
}

/**
 * Loads the page and the scripts and stylesheets it links once, so that
 * one-time work on the first request (litecached run from source builds its
 * browser bundle then) is over before latency is measured. Its memory still
 * shows in the peak RSS read afterwards.
 */
async function warmPage(pageUrl: string): Promise<void> {
  const started = performance.now();
  const response = await fetch(pageUrl);
  const html = await response.text();
  if (!response.ok) throw new Error(`GET ${pageUrl} answered ${response.status}: ${html}`);
  const assets = new Set(
    [...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((match) => match[1] as string),
  );
  for (const asset of assets) {
    const assetResponse = await fetch(new URL(asset, pageUrl));
    await assetResponse.arrayBuffer();
  }
  log(
    `warmed the page and ${assets.size} linked files in ${formatMillis(performance.now() - started)}`,
  );
}

async function main(): Promise<void> {
  ensureTools();
  requireTwoCpus();
  const machine = machineInfo();
  const versions = toolVersions();
  const loadAverageAtStart = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  log(
    `${options.quick ? "quick" : "full"} run on ${machine.cpus} CPUs (${machine.cpuModel}), load ${loadAverageAtStart}; Bun ${versions.bun}, memcached ${versions.memcached}, SQLite ${versions.sqlite}`,
  );

  const rows: Row[] = [];
  rows.push(
    ...(await memaslapWorkload(
      "90% get / 10% set",
      { ...baseLoad, setShare: 0.1 },
      "ops",
      TARGETS.mix90,
    )),
  );
  rows.push(
    ...(await memaslapWorkload(
      "50% get / 50% set",
      { ...baseLoad, setShare: 0.5 },
      "ops",
      TARGETS.mix50,
    )),
  );
  rows.push(
    ...(await memaslapWorkload(
      `multiget of ${MULTIGET_KEYS} keys`,
      { ...baseLoad, setShare: 0, keysPerGet: MULTIGET_KEYS, windowSize: "1k" },
      "keys",
      undefined,
    )),
  );
  method.unshift(
    `Throughput: memaslap (\`memcaslap\`, pinned to CPU 1) with ${CONNECTIONS} connections, ${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values, ${profile.seconds} s per run, ${profile.rounds} rounds per server alternating which goes first, median shown. Servers are pinned to CPU 0: \`memcached -t 1 -U 0 -l 127.0.0.1 -m ${MEMCACHED_MEMORY_MIB}\` and \`bun main.ts\` on a fresh database (synchronous=NORMAL: every STORED is after its group commit). Multiget: get-only with --division=${MULTIGET_KEYS}; memaslap first stores its 32×1k window objects inside the timed run; the figure is keys fetched per second. "Server CPU per op" is the server's CPU time during the run (all its threads, from /proc/<pid>/task/*/schedstat) divided by the operations memaslap counted: unlike throughput it barely changes when other processes take CPU time, so its ratio is the steadier one on a shared machine.`,
  );
  rows.push(...(await pipelinedWorkload()));
  rows.push(...(await seededWorkloads()));

  const account = cpuAccount.summary();
  const table = textTable(rows);
  console.log(`\n${table}\n`);
  console.log(
    `took ${formatDuration(account.wallSeconds)}; other processes used ${formatNumber(account.othersCpuSeconds, 0)} CPU-seconds meanwhile; servers waited for their CPU a median ${formatPercent(median(cpuWaitShares.memcached))} (memcached), ${formatPercent(median(cpuWaitShares.litecached))} (litecached) of each memaslap run`,
  );
  if (options.quick) {
    console.log("quick run: bench/RESULTS.md left as it was");
    return;
  }
  writeFileSync(
    RESULTS_PATH,
    resultsMarkdown(rows, {
      date: new Date(),
      machine,
      versions,
      commandLine: "npm run bench",
      wallSeconds: account.wallSeconds,
      othersCpuSeconds: account.othersCpuSeconds,
      loadAverageAtStart,
      serverCpuWait: {
        memcached: median(cpuWaitShares.memcached),
        litecached: median(cpuWaitShares.litecached),
      },
      note: options.note,
      method,
    }),
  );
  console.log(`wrote ${RESULTS_PATH}`);
}

async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((server) => stop(server)));
  rmSync(workDirectory, { recursive: true, force: true });
}

process.on("SIGINT", () => {
  void stopAll().then(() => process.exit(130));
});

try {
  await main();
} catch (error) {
  console.error(`bench: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
