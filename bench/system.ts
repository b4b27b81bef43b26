/**
 * The machine the benchmark runs on: its Debian tools (installed when
 * missing), versions, CPU model, and how busy other processes kept it.
 */
import { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";

/** Debian package → the executable the benchmark needs from it. */
const REQUIRED_PACKAGES: Record<string, string> = {
  memcached: "/usr/bin/memcached",
  "libmemcached-tools": "/usr/bin/memcaslap",
  "util-linux": "/usr/bin/taskset",
  "redis-server": "/usr/bin/redis-server",
  "redis-tools": "/usr/bin/redis-benchmark",
};

/** Installs missing tools with apt-get as root; otherwise says exactly what to install. */
export function ensureTools(): void {
  const missing = Object.entries(REQUIRED_PACKAGES)
    .filter(([, executable]) => !existsSync(executable))
    .map(([name]) => name);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `the benchmark needs these Debian packages: ${missing.join(" ")}\n` +
        `install them with: sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
  console.error(`Installing benchmark tools with apt-get: ${missing.join(" ")}`);
  const run = (command: string[]): void => {
    const result = Bun.spawnSync(command, {
      stdout: "inherit",
      stderr: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.exitCode !== 0) {
      throw new Error(`${command.join(" ")} failed (exit ${result.exitCode})`);
    }
  };
  run(["apt-get", "update", "-q"]);
  run(["apt-get", "install", "-y", "-q", "--no-install-recommends", ...missing]);
}

/** Two CPUs at least: the servers run on CPU 0 and the load generators on CPU 1. */
export function requireTwoCpus(): void {
  if (navigator.hardwareConcurrency < 2) {
    throw new Error(
      "the benchmark pins servers to CPU 0 and clients to CPU 1: it needs 2 CPUs or more",
    );
  }
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryMiB: number;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const meminfo = readFileSync("/proc/meminfo", "utf8");
  const memKiB = Number(/^MemTotal:\s*(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  return {
    cpus: navigator.hardwareConcurrency,
    cpuModel: model,
    memoryMiB: Math.round(memKiB / 1024),
    kernel,
  };
}

export interface Versions {
  bun: string;
  memcached: string;
  redis: string;
  sqlite: string;
  memaslap: string;
}

export function toolVersions(): Versions {
  const output = (command: string[]): string =>
    new TextDecoder()
      .decode(Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" }).stdout)
      .trim();
  const db = new Database(":memory:");
  const { version } = db.query("SELECT sqlite_version() AS version").get() as { version: string };
  db.close();
  // Prints "libmemcached-tools\t<version>".
  const memaslapPackage = output(["dpkg-query", "--show", "libmemcached-tools"]).split("\t")[1];
  return {
    bun: Bun.version,
    memcached: output(["/usr/bin/memcached", "-V"]).replace(/^memcached\s*/, ""),
    // Prints "Redis server v=7.0.15 sha=… malloc=… bits=64 build=…".
    redis: /v=(\S+)/.exec(output(["/usr/bin/redis-server", "--version"]))?.[1] ?? "(unknown)",
    sqlite: version,
    memaslap: `libmemcached-tools ${memaslapPackage ?? "(version unknown)"}`,
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time, in seconds, that every process on the machine spent busy since boot. */
export function machineBusySeconds(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  // cpu user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (total - idle) / CLOCK_TICKS_PER_SECOND;
}

/**
 * Adds up the CPU time of the benchmark's own processes, so that the busy
 * time of the rest of the machine during the run can be reported.
 */
export class CpuAccount {
  private childSeconds = 0;
  private readonly startBusy = machineBusySeconds();
  private readonly startOwn = process.cpuUsage();
  private readonly startMs = performance.now();

  /** Records an exited child process. */
  addChild(usage: { cpuTime: { total: bigint } } | undefined): void {
    if (usage !== undefined) this.childSeconds += Number(usage.cpuTime.total) / 1e6;
  }

  /** Seconds of wall time, and CPU seconds used by others, since the account opened. */
  summary(): { wallSeconds: number; othersCpuSeconds: number; ownCpuSeconds: number } {
    const own = process.cpuUsage(this.startOwn);
    const ownCpuSeconds = this.childSeconds + (own.user + own.system) / 1e6;
    const busy = machineBusySeconds() - this.startBusy;
    return {
      wallSeconds: (performance.now() - this.startMs) / 1000,
      othersCpuSeconds: Math.max(0, busy - ownCpuSeconds),
      ownCpuSeconds,
    };
  }
}

export const cpuAccount = new CpuAccount();

/** The commit the benchmark measures, and whether the work tree differs from it. */
export function currentCommit(folder: string): string {
  const git = (args: string[]): string =>
    new TextDecoder()
      .decode(
        Bun.spawnSync(["git", ...args], { cwd: folder, stdout: "pipe", stderr: "pipe" }).stdout,
      )
      .trim();
  const commit = git(["log", "-1", "--format=%h %s"]);
  if (commit === "") return "(not a git checkout)";
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]) !== "";
  return dirty ? `${commit} (with uncommitted changes)` : commit;
}
