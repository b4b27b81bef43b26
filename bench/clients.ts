/**
 * Runs the benchmark's own client scripts as child processes pinned to a
 * CPU (the load generators' CPU unless told otherwise) and reads the one
 * JSON line each prints.
 */
import { join } from "node:path";
import type { Subprocess } from "bun";
import { CLIENT_CPU, pinned, SERVER_CPU } from "./servers.ts";
import { cpuAccount } from "./system.ts";

export interface PipelinedSetsResult {
  sets: number;
  seconds: number;
  setsPerSecond: number;
}

export interface LatencyResult {
  gets: number;
  misses: number;
  p50Micros: number;
  p99Micros: number;
  p999Micros: number;
  maxMicros: number;
}

export interface PageLoopResult {
  pages: number;
  failures: number;
  firstFailure: string | undefined;
  pagesPerSecond: number;
  bytesPerPage: number;
}

export interface WriteLoadResult {
  sets: number;
  setsPerSecond: number;
  skippedBatches: number;
}

export interface EventStreamsResult {
  opened: number;
  failures: number;
  firstFailure: string | undefined;
  events: number;
  changeEvents: number;
  bytes: number;
}

export interface MixedLoadResult {
  ops: number;
  gets: number;
  sets: number;
  misses: number;
  seconds: number;
  opsPerSecond: number;
  /** Share of one CPU the client used. */
  clientCpuShare: number;
}

export interface SqliteInsertResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/** Connections and commands per batch of the pipelined set client. */
export const PIPELINE_CONNECTIONS = 4;
export const PIPELINE_DEPTH = 64;

export function pipelinedSets(
  port: number,
  how: { seconds: number } | { count: number },
  prefix: string,
  valueBytes: number,
): Promise<PipelinedSetsResult> {
  const amount =
    "seconds" in how ? ["--seconds", String(how.seconds)] : ["--count", String(how.count)];
  return runScript<PipelinedSetsResult>("pipelined-sets.ts", [
    "--port",
    String(port),
    "--connections",
    String(PIPELINE_CONNECTIONS),
    "--depth",
    String(PIPELINE_DEPTH),
    "--value-bytes",
    String(valueBytes),
    "--prefix",
    prefix,
    ...amount,
  ]);
}

export function getLatency(
  port: number,
  keys: number,
  prefix: string,
  seconds: number,
): Promise<LatencyResult> {
  return runScript<LatencyResult>("get-latency.ts", [
    "--port",
    String(port),
    "--keys",
    String(keys),
    "--prefix",
    prefix,
    "--seconds",
    String(seconds),
  ]);
}

export function pageLoop(url: string, seconds: number): Promise<PageLoopResult> {
  return runScript<PageLoopResult>("page-loop.ts", ["--url", url, "--seconds", String(seconds)]);
}

export function writeLoad(
  port: number,
  keys: number,
  prefix: string,
  setsPerSecond: number,
  seconds: number,
): Promise<WriteLoadResult> {
  return runScript<WriteLoadResult>("write-load.ts", [
    "--port",
    String(port),
    "--keys",
    String(keys),
    "--prefix",
    prefix,
    "--rate",
    String(setsPerSecond),
    "--seconds",
    String(seconds),
  ]);
}

export function eventStreams(
  url: string,
  streams: number,
  seconds: number,
): Promise<EventStreamsResult> {
  return runScript<EventStreamsResult>("event-streams.ts", [
    "--url",
    url,
    "--streams",
    String(streams),
    "--seconds",
    String(seconds),
  ]);
}

export function mixedLoad(
  port: number,
  keys: number,
  prefix: string,
  setShare: number,
  connections: number,
  seconds: number,
): Promise<MixedLoadResult> {
  return runScript<MixedLoadResult>("mixed-load.ts", [
    "--port",
    String(port),
    "--keys",
    String(keys),
    "--prefix",
    prefix,
    "--set-share",
    String(setShare),
    "--connections",
    String(connections),
    "--seconds",
    String(seconds),
  ]);
}

/** The SQLite limit runs on the servers' CPU: it stands for a server doing nothing else. */
export function sqliteInsert(
  path: string,
  rows: number,
  prefix: string,
  valueBytes: number,
): Promise<SqliteInsertResult> {
  return runScript<SqliteInsertResult>(
    "sqlite-insert.ts",
    [
      "--path",
      path,
      "--rows",
      String(rows),
      "--prefix",
      prefix,
      "--value-bytes",
      String(valueBytes),
    ],
    SERVER_CPU,
  );
}

async function runScript<T>(script: string, args: string[], cpu = CLIENT_CPU): Promise<T> {
  const command = pinned(cpu, [process.execPath, join(import.meta.dir, script), ...args]);
  const child: Subprocess<"ignore", "pipe", "pipe"> = Bun.spawn(command, {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  cpuAccount.addChild(child.resourceUsage());
  if (exitCode !== 0) {
    throw new Error(`${script} exited with ${exitCode}: ${command.join(" ")}\n${stdout}${stderr}`);
  }
  const line = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${script} printed no result: ${stdout}${stderr}`);
  }
}
