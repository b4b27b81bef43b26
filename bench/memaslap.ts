/**
 * Drives a server with memaslap (Debian installs it as `memcaslap`), pinned
 * to the client CPU, and reads its summary. memaslap waits for each reply
 * before sending a connection's next request, so it measures request/reply
 * round trips over many connections, not pipelining.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLIENT_CPU, pinned } from "./servers.ts";
import { cpuAccount } from "./system.ts";

export interface MemaslapLoad {
  /** Share of sets among commands, 0..1; the rest are gets. */
  setShare: number;
  valueBytes: number;
  keyBytes: number;
  concurrency: number;
  /** Keys per get (memaslap's --division); 1 is a single get. */
  keysPerGet: number;
  /**
   * Objects in each connection's task window (memaslap's --win_size, which
   * insists on a suffix: "1k"). A get-only load first stores every window
   * object, inside the timed run.
   */
  windowSize: string;
}

export interface MemaslapResult {
  seconds: number;
  ops: number;
  /** memaslap's TPS: gets and sets per second (a multiget counts each key). */
  opsPerSecond: number;
  gets: number;
  sets: number;
  getMisses: number;
}

/** memaslap reads key sizes, value sizes and the command mix from a file in `folder`. */
function writeConfig(load: MemaslapLoad, folder: string): string {
  const path = join(folder, `set${load.setShare}-k${load.keyBytes}-v${load.valueBytes}.cnf`);
  const getShare = Math.round((1 - load.setShare) * 1000) / 1000;
  writeFileSync(
    path,
    [
      "key",
      `${load.keyBytes} ${load.keyBytes} 1`,
      "value",
      `${load.valueBytes} ${load.valueBytes} 1`,
      "cmd",
      `0 ${load.setShare}`,
      `1 ${getShare}`,
      "",
    ].join("\n"),
  );
  return path;
}

export async function runMemaslap(
  port: number,
  load: MemaslapLoad,
  seconds: number,
  configFolder: string,
): Promise<MemaslapResult> {
  const command = pinned(CLIENT_CPU, [
    "/usr/bin/memcaslap",
    `--servers=127.0.0.1:${port}`,
    "--threads=1",
    `--concurrency=${load.concurrency}`,
    `--time=${seconds}s`,
    `--cfg_cmd=${writeConfig(load, configFolder)}`,
    `--win_size=${load.windowSize}`,
    ...(load.keysPerGet > 1 ? [`--division=${load.keysPerGet}`] : []),
  ]);
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  // memaslap never stops on its own if the server stalls: give it a deadline.
  const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 60) * 1000);
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  cpuAccount.addChild(child.resourceUsage());
  if (exitCode !== 0) {
    throw new Error(`memaslap exited with ${exitCode}: ${command.join(" ")}\n${stdout}${stderr}`);
  }
  return parseMemaslapOutput(stdout, `${command.join(" ")}\n${stderr}`);
}

/**
 * The summary ends with counters and one line:
 *   cmd_get: 305569
 *   cmd_set: 33970
 *   get_misses: 0
 *   Run time: 3.0s Ops: 339539 TPS: 113169 Net_rate: 120.1M/s
 */
export function parseMemaslapOutput(output: string, context: string): MemaslapResult {
  const summary = /Run time: ([\d.]+)s Ops: (\d+) TPS: (\d+)/.exec(output);
  const counter = (name: string): number => {
    const match = new RegExp(`^${name}: (\\d+)$`, "m").exec(output);
    if (match === null) throw new Error(`no ${name} in memaslap output:\n${output}\n${context}`);
    return Number(match[1]);
  };
  if (summary === null) throw new Error(`no summary in memaslap output:\n${output}\n${context}`);
  const ops = Number(summary[2]);
  if (ops === 0) throw new Error(`memaslap did no operations:\n${output}\n${context}`);
  return {
    seconds: Number(summary[1]),
    ops,
    opsPerSecond: Number(summary[3]),
    gets: counter("cmd_get"),
    sets: counter("cmd_set"),
    getMisses: counter("get_misses"),
  };
}
