/**
 * Starts the real litecached process (bun main.ts) for end-to-end tests.
 */
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./ports.ts";
import { collectText } from "./stream-text.ts";
import { removeTemporaryDirectory, temporaryDirectory } from "./temporary-folders.ts";

export { temporaryDirectory, temporaryFile } from "./temporary-folders.ts";

export const REPOSITORY_ROOT = join(import.meta.dir, "..", "..");

export interface RunningServer {
  port: number;
  httpPort: number;
  databasePath: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number>;
  /** SIGKILL, then wait for the process to be gone. */
  kill(): Promise<void>;
  /** Everything the process printed on stderr so far. */
  stderr(): string;
}

export interface ServerOptions {
  databasePath?: string;
  /** The memcached port; a free one if not given (a restart reuses its port). */
  port?: number;
  extraArgs?: string[];
  /** Run this command instead of `bun main.ts` (e.g. the compiled binary). */
  command?: string[];
  cwd?: string;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  // A server given no database gets a folder of its own (tests restart on it
  // or read it after a stop, so it goes when the test process exits).
  const ownFolder = options.databasePath === undefined ? temporaryDirectory() : undefined;
  const databasePath = options.databasePath ?? join(ownFolder as string, "database.sqlite");
  const port = options.port ?? freePort();
  const httpPort = freePort();
  const command = options.command ?? [process.execPath, join(REPOSITORY_ROOT, "main.ts")];
  const child = Bun.spawn(
    [
      ...command,
      databasePath,
      "--port",
      String(port),
      "--http-port",
      String(httpPort),
      ...(options.extraArgs ?? []),
    ],
    { cwd: options.cwd ?? REPOSITORY_ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const stderrText = collectText(child.stderr);
  const removeOwnFolder = (): void => {
    if (ownFolder !== undefined) removeTemporaryDirectory(ownFolder);
  };
  try {
    await waitForReadyLine(child, stderrText);
  } catch (error) {
    child.kill("SIGKILL");
    await child.exited;
    removeOwnFolder();
    throw error;
  }
  return {
    port,
    httpPort,
    databasePath,
    process: child,
    stderr: stderrText,
    async stop() {
      child.kill("SIGTERM");
      return await child.exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await child.exited;
    },
  };
}

/** Waits for the startup line on stdout, which is printed once both ports listen. */
async function waitForReadyLine(
  child: Subprocess<"ignore", "pipe", "pipe">,
  stderr: () => string,
): Promise<void> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let output = "";
  const deadline = Date.now() + 15_000;
  while (!output.includes("monitor on")) {
    const result = await Promise.race([
      reader.read(),
      child.exited.then(() => ({ done: true, value: undefined })),
      Bun.sleep(Math.max(0, deadline - Date.now())).then(() => "timeout" as const),
    ]);
    if (result === "timeout") throw new Error(`server did not start in time: ${stderr()}`);
    if (result.done) throw new Error(`server exited during startup: ${output}${stderr()}`);
    output += decoder.decode(result.value, { stream: true });
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  void (async () => {
    while (!(await reader.read()).done) {}
  })();
}
