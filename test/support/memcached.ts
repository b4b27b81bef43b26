/**
 * Starts Debian's real memcached (1.6) on a free port for a test, so that
 * litecached's replies can be compared with the reference server's.
 */
import type { Subprocess } from "bun";
import { freePort } from "./ports.ts";

export const MEMCACHED_PATH = "/usr/bin/memcached";

export interface RunningMemcached {
  port: number;
  process: Subprocess<"ignore", "ignore", "pipe">;
  /** SIGTERM, then wait for the process to be gone. */
  stop(): Promise<void>;
}

export interface MemcachedOptions {
  /** Extra command-line options, e.g. ["-I", "2m"] for a larger item size limit. */
  extraArgs?: string[];
}

const STARTUP_TIMEOUT_MS = 10_000;
/** A port taken between freePort() and memcached's bind makes memcached exit; try another. */
const PORT_ATTEMPTS = 5;

/** memcached, UDP off, one worker thread, loopback only: the setup the tests compare against. */
export async function startMemcached(options: MemcachedOptions = {}): Promise<RunningMemcached> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = freePort();
    try {
      return await startOn(port, options.extraArgs ?? []);
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
    }
  }
  throw lastError ?? new Error("memcached did not start");
}

async function startOn(port: number, extraArgs: string[]): Promise<RunningMemcached> {
  // memcached refuses to run as root unless told which user to be.
  const userArgs = process.getuid?.() === 0 ? ["-u", "root"] : [];
  const child = Bun.spawn(
    [
      MEMCACHED_PATH,
      ...userArgs,
      "-U",
      "0",
      "-t",
      "1",
      "-l",
      "127.0.0.1",
      "-p",
      String(port),
      ...extraArgs,
    ],
    { stdin: "ignore", stdout: "ignore", stderr: "pipe" },
  );
  let stderrText = "";
  const decoder = new TextDecoder();
  void (async () => {
    for await (const chunk of child.stderr) stderrText += decoder.decode(chunk, { stream: true });
  })();
  await waitUntilListening(port, child, () => stderrText);
  return {
    port,
    process: child,
    async stop() {
      child.kill("SIGTERM");
      await child.exited;
    },
  };
}

/** memcached prints nothing when ready: poll with connections until one is accepted. */
async function waitUntilListening(
  port: number,
  child: Subprocess<"ignore", "ignore", "pipe">,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`memcached exited during startup: ${stderr()}`);
    }
    if (await canConnect(port)) {
      // Our port, not someone else's: the child must still be running.
      if (child.exitCode === null && child.signalCode === null) return;
    }
    await Bun.sleep(20);
  }
  child.kill("SIGKILL");
  throw new Error(`memcached did not start listening on port ${port}: ${stderr()}`);
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: { data() {} },
    });
    socket.end();
    return true;
  } catch {
    return false;
  }
}
