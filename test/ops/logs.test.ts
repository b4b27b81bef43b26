/**
 * The operator's log of a real server: the start line with its settings,
 * the stop, refused connections at --max-conns (one line a second at most),
 * storage failures (a write lock held by the sqlite3 shell) and slow
 * commits, each with a timestamp; --quiet; JSON lines.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../support/ports.ts";
import { REPOSITORY_ROOT, temporaryDirectory } from "../support/server.ts";
import { collectText } from "../support/stream-text.ts";
import { TestClient } from "../support/test-client.ts";

/** Real processes on a busy machine: more than bun's 5 s default, hooks included. */
setDefaultTimeout(60_000);

const TIMESTAMP = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
const WAIT_TIMEOUT_MS = 15_000;
/** The server logs refusals once a second at most. */
const REFUSAL_LOG_INTERVAL_MS = 1000;
const SLOW_TEST_MS = 60_000;

interface LoggingServer {
  port: number;
  databasePath: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  stdout(): string;
  stderr(): string;
  /** Waits until `pattern` appears in stdout + stderr. */
  waitFor(pattern: RegExp): Promise<void>;
}

const running: LoggingServer[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const server of running.splice(0)) {
    server.process.kill("SIGKILL");
    await server.process.exited;
  }
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

/** Starts `bun main.ts` with these flags; resolves once it answers (found by asking, not by its log). */
async function startLogging(args: string[]): Promise<LoggingServer> {
  const directory = temporaryDirectory("litecached-logs-");
  directories.push(directory);
  const databasePath = join(directory, "database.sqlite");
  const port = freePort();
  const child = Bun.spawn(
    [
      process.execPath,
      join(REPOSITORY_ROOT, "main.ts"),
      databasePath,
      "--port",
      String(port),
      "--http-port",
      String(freePort()),
      ...args,
    ],
    { cwd: REPOSITORY_ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const stdout = collectText(child.stdout);
  const stderr = collectText(child.stderr);
  const server: LoggingServer = {
    port,
    databasePath,
    process: child,
    stdout,
    stderr,
    async waitFor(pattern) {
      const deadline = Date.now() + WAIT_TIMEOUT_MS;
      while (!pattern.test(stdout() + stderr())) {
        if (Date.now() > deadline) {
          throw new Error(`no ${pattern} in:\n${stdout()}${stderr()}`);
        }
        await Bun.sleep(20);
      }
    },
  };
  running.push(server);
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    try {
      // A reply, not just an accepted connection: the kernel accepts as soon
      // as the port listens, before main() has installed its signal handlers.
      const probe = await TestClient.connect(port);
      probe.send("version\r\n");
      await probe.readUntil("\r\n");
      probe.close();
      return server;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        throw new Error(`server did not start: ${stdout()}${stderr()}`);
      }
      await Bun.sleep(20);
    }
  }
}

async function stop(server: LoggingServer): Promise<void> {
  server.process.kill("SIGTERM");
  expect(await server.process.exited).toBe(0);
  // Let the last output reach the collectors.
  await Bun.sleep(50);
}

/**
 * The one connection --max-conns 1 allows. The startup probe's connection
 * may not be closed on the server's side yet: until it is, we are refused.
 */
async function holdTheOnlyConnection(port: number): Promise<TestClient> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const client = await TestClient.connect(port);
    client.send("version\r\n");
    if ((await client.readUntil("\r\n")).startsWith("VERSION ")) return client;
    client.close();
    if (Date.now() > deadline) throw new Error("no connection was accepted");
    await Bun.sleep(20);
  }
}

async function setOnce(port: number): Promise<string> {
  const client = await TestClient.connect(port);
  try {
    client.send("set k 0 0 1\r\nx\r\n");
    return await client.readUntil("\r\n");
  } finally {
    client.close();
  }
}

describe("the operator's log", () => {
  test("Should log the start with every setting and the stop, each with a timestamp", async () => {
    const server = await startLogging(["--max-conns", "7", "--sync", "full"]);
    await stop(server);
    const lines = server.stdout().trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${TIMESTAMP} litecached: started \\S+ on \\S+database\\.sqlite: memcached on 127\\.0\\.0\\.1:${server.port}, monitor on http://127\\.0\\.0\\.1:\\d+/ \\(max-conns 7, max-item-size 1048576, sync full, memory 67108864, idle-timeout 0, slow-commit-ms 100\\)$`,
      ),
    );
    expect(lines[1]).toMatch(new RegExp(`^${TIMESTAMP} litecached: SIGTERM received, stopping$`));
    expect(server.stderr()).toBe("");
  });

  test("Should write JSON lines with --log-format json", async () => {
    const server = await startLogging(["--log-format", "json"]);
    await stop(server);
    const events = server
      .stdout()
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events).toEqual([
      expect.objectContaining({
        level: "info",
        event: "start",
        port: server.port,
        database: server.databasePath,
        maxConnections: 1024,
        sync: "normal",
      }),
      expect.objectContaining({ level: "info", event: "stop", signal: "SIGTERM" }),
    ]);
    for (const event of events) {
      expect(event.time).toMatch(new RegExp(`^${TIMESTAMP}$`));
      expect(Math.abs(Date.parse(event.time as string) - Date.now())).toBeLessThan(60_000);
    }
  });

  test(
    "Should log refused connections once a second at most, with their count",
    async () => {
      const server = await startLogging(["--max-conns", "1", "--log-format", "json"]);
      const held = await holdTheOnlyConnection(server.port);
      try {
        const refuse = async () => {
          const client = await TestClient.connect(server.port);
          expect(await client.readUntil("\r\n")).toBe("ERROR Too many open connections\r\n");
          client.close();
        };
        const refusals = () =>
          server
            .stderr()
            .trimEnd()
            .split("\n")
            .filter((line) => line.includes('"connections_refused"'))
            .map((line) => JSON.parse(line) as Record<string, unknown>);
        const waitForRefusalLines = async (count: number) => {
          const deadline = Date.now() + WAIT_TIMEOUT_MS;
          while (refusals().length < count && Date.now() < deadline) await Bun.sleep(20);
        };
        // Refusals while the startup probe was closing may have been logged: let their second pass.
        await Bun.sleep(REFUSAL_LOG_INTERVAL_MS + 100);
        const before = refusals().length;
        await refuse();
        await waitForRefusalLines(before + 1);
        // Two more within the same second: counted, not logged yet.
        await refuse();
        await refuse();
        await Bun.sleep(REFUSAL_LOG_INTERVAL_MS + 100);
        await refuse();
        await waitForRefusalLines(before + 2);
        const logged = refusals().slice(before);
        expect(logged.map((event) => [event.level, event.refused, event.maxConnections])).toEqual([
          ["warn", 1, 1],
          ["warn", 3, 1],
        ]);
        expect(logged[0]?.message).toBe("refused 1 connection at --max-conns 1");
      } finally {
        held.close();
      }
    },
    SLOW_TEST_MS,
  );

  test("Should log a storage failure while the sqlite3 shell holds the write lock", async () => {
    const server = await startLogging([]);
    expect(await setOnce(server.port)).toBe("STORED\r\n");
    const shell = Bun.spawn(["/usr/bin/sqlite3", server.databasePath], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      shell.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
      await shell.stdin.flush();
      const shellOutput = collectText(shell.stdout);
      const deadline = Date.now() + WAIT_TIMEOUT_MS;
      while (!shellOutput().includes("locked") && Date.now() < deadline) await Bun.sleep(20);
      expect(await setOnce(server.port)).toBe("SERVER_ERROR storage failure (SQLITE_BUSY)\r\n");
      await server.waitFor(/storage error/);
      expect(server.stderr()).toMatch(
        new RegExp(`^${TIMESTAMP} litecached: storage error: database is locked$`, "m"),
      );
    } finally {
      shell.stdin.write("ROLLBACK;\n.quit\n");
      await shell.stdin.end();
      await shell.exited;
    }
    // The lock gone, writes succeed again.
    expect(await setOnce(server.port)).toBe("STORED\r\n");
  });

  test("Should log commits slower than --slow-commit-ms", async () => {
    const server = await startLogging(["--slow-commit-ms", "0"]);
    expect(await setOnce(server.port)).toBe("STORED\r\n");
    await server.waitFor(/slow commit/);
    expect(server.stderr()).toMatch(
      new RegExp(
        `^${TIMESTAMP} litecached: slow commit: [\\d.]+ ms \\(--slow-commit-ms 0\\)$`,
        "m",
      ),
    );
  });

  test("Should keep only warnings and errors with --quiet", async () => {
    const server = await startLogging(["--quiet", "--slow-commit-ms", "0"]);
    expect(await setOnce(server.port)).toBe("STORED\r\n");
    await server.waitFor(/slow commit/);
    await stop(server);
    expect(server.stdout()).toBe("");
    expect(server.stderr()).toContain("slow commit");
  });
});
