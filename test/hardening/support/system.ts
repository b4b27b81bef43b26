/**
 * Linux facts and fixtures the hardening tests need: a process's resident
 * anonymous memory (now, at its peak, once settled), small tmpfs mounts (the tests run as root), read-only bind mounts.
 */
import { readFileSync } from "node:fs";

/**
 * A process's resident anonymous memory (RssAnon) in KiB, from
 * /proc/<pid>/status: its heap, stacks and memory tier. Not VmRSS: that
 * also counts the database pages the server reads through a memory map,
 * file pages the kernel drops when it needs the room.
 */
export function residentKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^RssAnon:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no RssAnon for process ${pid}`);
  return Number(match[1]);
}

/** How often watchPeakKiB samples, and settledResidentKiB looks again. */
const SAMPLE_INTERVAL_MS = 100;
/** How many times settledResidentKiB looks before it gives up waiting. */
const SETTLE_SAMPLES = 50;

/** Samples a process's resident memory until stop(), which returns the highest (at least `fromKiB`). */
export function watchPeakKiB(pid: number, fromKiB: number): { stop(): number } {
  let peakKiB = fromKiB;
  const sampler = setInterval(() => {
    peakKiB = Math.max(peakKiB, residentKiB(pid));
  }, SAMPLE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(sampler);
      return peakKiB;
    },
  };
}

/**
 * A process's resident memory once it is at most `ceilingKiB`, or after
 * five seconds of waiting: what stays once the garbage collector caught up.
 */
export async function settledResidentKiB(pid: number, ceilingKiB: number): Promise<number> {
  let settledKiB = residentKiB(pid);
  for (let wait = 0; wait < SETTLE_SAMPLES && settledKiB > ceilingKiB; wait++) {
    await Bun.sleep(SAMPLE_INTERVAL_MS);
    settledKiB = residentKiB(pid);
  }
  return settledKiB;
}

function run(command: string[]): void {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`${command.join(" ")} failed: ${result.stderr.toString().trim()}`);
  }
}

/** Mounts a tmpfs of `size` (e.g. "2m") on `directory`; needs root. */
export function mountTmpfs(directory: string, size: string): void {
  run(["mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", directory]);
}

/** Shows `source` read-only at `target` (a bind mount remounted read-only); needs root. */
export function bindReadOnly(source: string, target: string): void {
  run(["mount", "--bind", source, target]);
  run(["mount", "-o", "remount,bind,ro", target]);
}

/** Unmounts, lazily so that a test failure with open files still cleans up. */
export function unmount(directory: string): void {
  Bun.spawnSync(["umount", "-l", directory], { stdout: "ignore", stderr: "ignore" });
}

/** The soft limit on open files of this process (children inherit it). */
export function openFileLimit(): number {
  const result = Bun.spawnSync(["sh", "-c", "ulimit -n"], { stdout: "pipe" });
  return Number(result.stdout.toString().trim());
}
