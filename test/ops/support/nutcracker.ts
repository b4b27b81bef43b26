/**
 * Starts Debian's nutcracker (twemproxy) for a test, configured by the
 * repository's own recipe (deploy/nutcracker.yml) with its addresses
 * replaced by free ports on 127.0.0.1, so the test checks the recipe users copy.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../../support/ports.ts";
import { REPOSITORY_ROOT, temporaryDirectory } from "../../support/server.ts";

export const NUTCRACKER_PATH = "/usr/sbin/nutcracker";
export const RECIPE_PATH = join(REPOSITORY_ROOT, "deploy", "nutcracker.yml");

const STARTUP_TIMEOUT_MS = 10_000;
const LISTEN_LINE = /^(\s*listen:\s*)127\.0\.0\.1:\d+\s*$/m;
const SERVER_LINE = /^(\s*-\s*)127\.0\.0\.1:\d+(:\d+\s+\S+)\s*$/gm;

export interface RunningNutcracker {
  port: number;
  /** nutcracker's own statistics port (JSON on connect). */
  statsPort: number;
  process: Subprocess<"ignore", "ignore", "pipe">;
  /** SIGTERM, wait for the exit, remove the config and log folder. */
  stop(): Promise<void>;
  /** What nutcracker logged so far. */
  log(): string;
}

/** The recipe with its listen address and its servers' ports replaced. */
export function recipeFor(listenPort: number, serverPorts: readonly number[]): string {
  const recipe = readFileSync(RECIPE_PATH, "utf8");
  const serverCount = recipe.match(SERVER_LINE)?.length ?? 0;
  if (serverCount !== serverPorts.length || !LISTEN_LINE.test(recipe)) {
    throw new Error(`${RECIPE_PATH} must have one listen line and ${serverPorts.length} servers`);
  }
  let index = 0;
  return recipe
    .replace(LISTEN_LINE, (_line, prefix: string) => `${prefix}127.0.0.1:${listenPort}`)
    .replace(
      SERVER_LINE,
      (_line, prefix: string, weightAndName: string) =>
        `${prefix}127.0.0.1:${serverPorts[index++]}${weightAndName}`,
    );
}

/**
 * nutcracker on free ports in front of the given litecached ports, with the
 * recipe, or the recipe as `edit` changes it.
 */
export async function startNutcracker(
  serverPorts: readonly number[],
  edit: (recipe: string) => string = (recipe) => recipe,
): Promise<RunningNutcracker> {
  const directory = temporaryDirectory("litecached-nutcracker-");
  const port = freePort();
  const statsPort = freePort();
  const configPath = join(directory, "nutcracker.yml");
  const logPath = join(directory, "nutcracker.log");
  writeFileSync(configPath, edit(recipeFor(port, serverPorts)));
  const child = Bun.spawn(
    [
      NUTCRACKER_PATH,
      "--conf-file",
      configPath,
      "--stats-port",
      String(statsPort),
      "--stats-addr",
      "127.0.0.1",
      "--output",
      logPath,
    ],
    { stdin: "ignore", stdout: "ignore", stderr: "pipe" },
  );
  const readLog = (): string => {
    try {
      return readFileSync(logPath, "utf8");
    } catch {
      return "";
    }
  };
  const stop = async (): Promise<void> => {
    child.kill("SIGTERM");
    await child.exited;
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitUntilListening(port, child);
  } catch (error) {
    const log = readLog();
    await stop();
    throw new Error(`${error instanceof Error ? error.message : error}\n${log}`);
  }
  return { port, statsPort, process: child, stop, log: readLog };
}

async function waitUntilListening(port: number, child: Subprocess): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nutcracker exited during startup (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      return;
    } catch {
      await Bun.sleep(20);
    }
  }
  throw new Error(`nutcracker did not listen on port ${port} in time`);
}
