/**
 * Starts the servers under test, each pinned to CPU 0 with taskset:
 * Debian's memcached with one worker thread, litecached (bun main.ts) on its
 * own database file, and Debian's Redis 7 with an append-only file as the
 * durable peer. All listen on free ports on 127.0.0.1.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../test/support/ports.ts";
import { collectText } from "../test/support/stream-text.ts";
import { cpuAccount } from "./system.ts";

export const REPOSITORY_ROOT = join(import.meta.dir, "..");

/** The CPU the servers run on; load generators use CLIENT_CPU. */
export const SERVER_CPU = "0";
export const CLIENT_CPU = "1";

/**
 * memcached's memory limit where it must keep every item (1M items of 1 KiB
 * need about 1.2 GiB): litecached never loses an item, so both serve the
 * same data.
 */
export const MEMCACHED_KEEP_ALL_MIB = 2048;

const STARTUP_TIMEOUT_MS = 60_000;

export interface SchedStat {
  cpuNs: number;
  waitNs: number;
}

export type ServerName = "memcached" | "litecached" | "redis" | "floor";

export interface RunningServer {
  name: ServerName;
  port: number;
  /** litecached's monitor port; undefined for memcached. */
  httpPort: number | undefined;
  pid: number;
  /** Milliseconds from spawn to ready (litecached's "monitor on" line, memcached's open port). */
  readyMs: number;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** Current resident set size (VmRSS), in bytes. */
  rssBytes(): number;
  /** Resident anonymous memory (RssAnon): heap, stacks, the memory tier. */
  rssAnonBytes(): number;
  /** Resident file pages (RssFile): the executable, libraries, a memory-mapped database. */
  rssFileBytes(): number;
  /** Nanoseconds all its threads spent on a CPU, and waiting for one (/proc schedstat). */
  schedStat(): SchedStat;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Runs `command` pinned to one CPU (taskset execs it: the pid is the command's own). */
export function pinned(cpu: string, command: string[]): string[] {
  return ["taskset", "-c", cpu, ...command];
}

export async function startMemcached(memoryMiB: number): Promise<RunningServer> {
  const asRoot = process.getuid?.() === 0 ? ["-u", "root"] : [];
  return startPortServer("memcached", (port) => [
    "/usr/bin/memcached",
    ...asRoot,
    "-t",
    "1",
    "-U",
    "0",
    "-l",
    "127.0.0.1",
    "-p",
    String(port),
    "-m",
    String(memoryMiB),
    "-c",
    "4096",
  ]);
}

export interface LitecachedOptions {
  /** --memory (the memory tier's budget, e.g. "64m"); omitted: the server's default. */
  memory?: string;
  /** --sync; omitted: the server's default (normal). */
  sync?: "normal" | "full";
}

let memoryFlagSupported: boolean | undefined;

/**
 * Whether this litecached has the memory tier's --memory flag (read from
 * --help), so the benchmark still runs on a version without it.
 */
export function litecachedHasMemoryFlag(): boolean {
  if (memoryFlagSupported === undefined) {
    const help = Bun.spawnSync([process.execPath, join(REPOSITORY_ROOT, "main.ts"), "--help"], {
      cwd: REPOSITORY_ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    memoryFlagSupported = /--memory\b/.test(help.stdout.toString());
  }
  return memoryFlagSupported;
}

export async function startLitecached(
  databasePath: string,
  options: LitecachedOptions = {},
): Promise<RunningServer> {
  const port = freePort();
  const httpPort = freePort();
  const extra = [
    ...(options.memory === undefined ? [] : ["--memory", options.memory]),
    ...(options.sync === undefined ? [] : ["--sync", options.sync]),
  ];
  const startedAt = performance.now();
  const child = Bun.spawn(
    pinned(SERVER_CPU, [
      process.execPath,
      join(REPOSITORY_ROOT, "main.ts"),
      databasePath,
      "--port",
      String(port),
      "--http-port",
      String(httpPort),
      ...extra,
    ]),
    { cwd: REPOSITORY_ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const stderr = collectText(child.stderr);
  await waitForReadyLine(child, stderr);
  const readyMs = performance.now() - startedAt;
  return serverHandle("litecached", child, stderr, port, httpPort, readyMs);
}

/**
 * bench/bare-get-server.ts, the least a Bun.listen server does per request:
 * the floor under litecached's figures on this machine.
 */
export function startBareGetServer(): Promise<RunningServer> {
  return startPortServer("floor", (port) => [
    process.execPath,
    join(REPOSITORY_ROOT, "bench", "bare-get-server.ts"),
    "--port",
    String(port),
  ]);
}

export type RedisFsync = "everysec" | "always";

/**
 * Redis as a durable peer: the append-only file on with `fsync`, RDB
 * snapshots off (`save ""`), and automatic AOF rewrites off, since a rewrite
 * runs in a forked child whose CPU time would not be counted as the
 * server's. Its files go to `directory`.
 */
export function startRedis(fsync: RedisFsync, directory: string): Promise<RunningServer> {
  return startPortServer("redis", (port) => [
    "/usr/bin/redis-server",
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    directory,
    "--appendonly",
    "yes",
    "--appendfsync",
    fsync,
    "--save",
    "",
    "--auto-aof-rewrite-percentage",
    "0",
    "--daemonize",
    "no",
    "--maxclients",
    "4096",
  ]);
}

/**
 * Starts `command(port)` pinned to the server CPU on a free port, and
 * waits until the port accepts a connection (memcached, Redis and the
 * bare get server print nothing when ready).
 */
async function startPortServer(
  name: ServerName,
  command: (port: number) => string[],
): Promise<RunningServer> {
  const port = freePort();
  const startedAt = performance.now();
  const child = Bun.spawn(pinned(SERVER_CPU, command(port)), {
    cwd: REPOSITORY_ROOT,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const stderr = collectText(child.stderr);
  await waitForPort(name, port, child, stderr);
  const readyMs = performance.now() - startedAt;
  return serverHandle(name, child, stderr, port, undefined, readyMs);
}

function serverHandle(
  name: ServerName,
  child: Subprocess<"ignore", "pipe" | "ignore", "pipe">,
  stderr: () => string,
  port: number,
  httpPort: number | undefined,
  readyMs: number,
): RunningServer {
  const statusField = (field: string): number => {
    const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
    const kib = new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status)?.[1];
    if (kib === undefined) throw new Error(`${name}: no ${field} in /proc/${child.pid}/status`);
    return Number(kib) * 1024;
  };
  return {
    name,
    port,
    httpPort,
    pid: child.pid,
    readyMs,
    peakRssBytes: () => statusField("VmHWM"),
    rssBytes: () => statusField("VmRSS"),
    rssAnonBytes: () => statusField("RssAnon"),
    rssFileBytes: () => statusField("RssFile"),
    schedStat: () => schedStat(child.pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      await child.exited;
      clearTimeout(timer);
      cpuAccount.addChild(child.resourceUsage());
      const text = stderr();
      if (text.trim() !== "" && name === "litecached") {
        console.error(`${name} stderr:\n${text.trim()}`);
      }
    },
  };
}

/**
 * Sums /proc/<pid>/task/<tid>/schedstat: time on a CPU and time runnable but
 * waiting for one. The wait shows how much other processes took the CPU.
 */
function schedStat(pid: number): SchedStat {
  let cpuNs = 0;
  let waitNs = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [onCpu, waiting] = readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(
        " ",
      );
      cpuNs += Number(onCpu);
      waitNs += Number(waiting);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return { cpuNs, waitNs };
}

/** litecached prints its startup line (ending in "monitor on …") once both ports listen. */
async function waitForReadyLine(
  child: Subprocess<"ignore", "pipe", "pipe">,
  stderr: () => string,
): Promise<void> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let output = "";
  // A timer that is cleared once ready: a pending Bun.sleep would keep the process alive.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), STARTUP_TIMEOUT_MS);
  });
  while (!output.includes("monitor on")) {
    const result = await Promise.race([reader.read(), timeout]);
    if (result === "timeout") {
      child.kill("SIGKILL");
      throw new Error(`litecached did not start within ${STARTUP_TIMEOUT_MS} ms: ${stderr()}`);
    }
    if (result.done) {
      clearTimeout(timer);
      throw new Error(`litecached exited during startup: ${output}${stderr()}`);
    }
    output += decoder.decode(result.value, { stream: true });
  }
  clearTimeout(timer);
  // Keep draining stdout so the server never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
}

/** memcached and Redis print nothing on stdout when ready: poll the port until it accepts. */
async function waitForPort(
  name: ServerName,
  port: number,
  child: Subprocess<"ignore", "ignore", "pipe">,
  stderr: () => string,
): Promise<void> {
  const deadline = performance.now() + STARTUP_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited during startup: ${stderr()}`);
    }
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      return;
    } catch {
      await Bun.sleep(1);
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${name} did not open port ${port} within ${STARTUP_TIMEOUT_MS} ms`);
}
