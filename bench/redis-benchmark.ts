/**
 * Drives Redis with Debian's `redis-benchmark`, pinned to the client CPU,
 * and reads its CSV summary. Like memaslap, each client waits for its reply
 * before the next request (no pipelining).
 */
import { CLIENT_CPU, pinned } from "./servers.ts";
import { cpuAccount } from "./system.ts";

export interface RedisLoad {
  test: "set" | "get";
  clients: number;
  valueBytes: number;
  requests: number;
  /** Random keys are drawn from 0..keySpace-1 (redis-benchmark's -r). */
  keySpace: number;
}

export interface RedisBenchmarkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
}

export async function runRedisBenchmark(
  port: number,
  load: RedisLoad,
): Promise<RedisBenchmarkResult> {
  const command = pinned(CLIENT_CPU, [
    "/usr/bin/redis-benchmark",
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-c",
    String(load.clients),
    "-d",
    String(load.valueBytes),
    "-n",
    String(load.requests),
    "-r",
    String(load.keySpace),
    "-t",
    load.test,
    "--csv",
  ]);
  const started = performance.now();
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const seconds = (performance.now() - started) / 1000;
  cpuAccount.addChild(child.resourceUsage());
  if (exitCode !== 0) {
    throw new Error(`redis-benchmark exited with ${exitCode}: ${command.join(" ")}\n${stderr}`);
  }
  // "test","rps","avg_latency_ms",… then "SET","95238.10",…
  const match = /^"(?:SET|GET)","([\d.]+)"/m.exec(stdout);
  if (match === null) {
    throw new Error(`no result in redis-benchmark output:\n${stdout}${stderr}`);
  }
  return { requests: load.requests, seconds, requestsPerSecond: Number(match[1]) };
}
