/**
 * The command line of the real process: help, version, bad flags, database
 * paths it must refuse without touching them, and busy ports.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { USAGE, VERSION } from "../../src/config.ts";
import { freePort } from "../support/ports.ts";
import { REPOSITORY_ROOT, startServer, temporaryDirectory } from "../support/server.ts";

interface CliResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

const MAIN = join(REPOSITORY_ROOT, "main.ts");

/** Runs litecached to completion; a process still running after the timeout is a failure. */
interface CliOptions {
  /**
   * Run without root's power to read and write any file (CAP_DAC_OVERRIDE
   * and CAP_DAC_READ_SEARCH), for tests about file permissions, which root
   * ignores. The process stays root, so it can still read the clone
   * wherever it lives (a folder other users may not enter, say).
   */
  honourFileModes?: boolean;
}

/** The capabilities that let root ignore file modes. */
const FILE_MODE_OVERRIDES = "-dac_override,-dac_read_search";

async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const command = [process.execPath, MAIN, ...args];
  const full = options.honourFileModes
    ? ["setpriv", "--bounding-set", FILE_MODE_OVERRIDES, ...command]
    : command;
  const child = Bun.spawn(full, {
    cwd: REPOSITORY_ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: process.env,
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  return { exitCode: child.signalCode === "SIGKILL" ? null : exitCode, stdout, stderr };
}

/** Ports nobody uses, so that a database test that wrongly starts cannot collide. */
function portArgs(): string[] {
  return ["--port", String(freePort()), "--http-port", String(freePort())];
}

/** The one line litecached prints for a startup error (without a trailing newline). */
function singleErrorLine(result: CliResult): string {
  const text = result.stderr.replace(/\n$/, "");
  expect(text).not.toContain("\n");
  expect(text).toStartWith("litecached: ");
  return text;
}

/** Runs litecached on `path`, expecting exit 1 and one error line naming the path; returns it. */
async function expectRefusal(path: string, options: CliOptions = {}): Promise<string> {
  const result = await runCli([path, ...portArgs()], options);
  expect(result.exitCode).toBe(1);
  const line = singleErrorLine(result);
  expect(line).toContain(path);
  return line;
}

/** A refused database file must be left exactly as it was, with no -wal/-shm beside it. */
function expectUntouched(path: string, before: Uint8Array, filesBefore: string[]): void {
  expect(Buffer.compare(readFileSync(path), before)).toBe(0);
  const directory = join(path, "..");
  expect(readdirSync(directory).sort()).toEqual(filesBefore.sort());
}

describe("help and version", () => {
  test("Should print the usage and exit 0 with --help", async () => {
    const result = await runCli(["--help"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trimEnd()).toBe(USAGE);
    expect(result.stderr).toBe("");
  });

  test("Should print the usage and exit 0 with -h", async () => {
    const result = await runCli(["-h"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toStartWith("Usage: litecached");
  });

  test("Should print the version and exit 0 with --version", async () => {
    const result = await runCli(["--version"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`litecached ${VERSION}\n`);
  });
});

describe("bad command lines", () => {
  test("Should name an unknown flag on one line, then print the usage, and exit 2", async () => {
    const result = await runCli(["--bogus", "database.sqlite"]);
    expect(result.exitCode).toBe(2);
    const [first, blank, ...rest] = result.stderr.trimEnd().split("\n");
    expect(first).toBe("litecached: unknown option --bogus");
    expect(blank).toBe("");
    expect(rest.join("\n")).toBe(USAGE);
    expect(result.stdout).toBe("");
  });

  const malformed: Array<[string, string[]]> = [
    ["--port", ["--port", "abc"]],
    ["--port", ["--port", "70000"]],
    ["--port", ["--port", "0"]],
    ["--http-port", ["--http-port", "-1"]],
    ["--max-conns", ["--max-conns", "0"]],
    ["--max-conns", ["--max-conns", "many"]],
    ["--max-item-size", ["--max-item-size", "5x"]],
    ["--max-item-size", ["--max-item-size", "2g"]],
    ["--sync", ["--sync", "sometimes"]],
    ["--idle-timeout", ["--idle-timeout", "1.5"]],
    ["--port", ["--port"]],
  ];
  for (const [flag, args] of malformed) {
    test(`Should refuse ${args.join(" ")} naming ${flag}, and exit 2`, async () => {
      const result = await runCli(["database.sqlite", ...args]);
      expect(result.exitCode).toBe(2);
      const first = result.stderr.split("\n")[0] as string;
      expect(first).toStartWith("litecached: ");
      expect(first).toContain(flag);
      expect(result.stderr).toContain(USAGE);
    });
  }

  test("Should refuse a missing database path and exit 2", async () => {
    const result = await runCli(["--port", "12345"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("litecached: missing the database path");
  });

  test("Should refuse two database paths and exit 2", async () => {
    const result = await runCli(["one.sqlite", "two.sqlite"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.split("\n")[0]).toContain("two.sqlite");
  });
});

describe("database paths that must be refused", () => {
  test("Should refuse a text file, name it, and leave it untouched", async () => {
    const directory = temporaryDirectory();
    const path = join(directory, "notes.sqlite");
    writeFileSync(path, "These are my notes.\nThey are not a database.\n");
    const before = readFileSync(path);
    const files = readdirSync(directory);
    await expectRefusal(path);
    expectUntouched(path, before, files);
  });

  test("Should refuse a file of random bytes, name it, and leave it untouched", async () => {
    const directory = temporaryDirectory();
    const path = join(directory, "random.sqlite");
    const random = new Uint8Array(64 * 1024);
    crypto.getRandomValues(random);
    writeFileSync(path, random);
    const files = readdirSync(directory);
    await expectRefusal(path);
    expectUntouched(path, random, files);
  });

  test("Should refuse another program's SQLite database and leave it untouched", async () => {
    const directory = temporaryDirectory();
    const path = join(directory, "other.sqlite");
    const other = new Database(path);
    other.run("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    other.run("INSERT INTO invoices (total) VALUES (12.5)");
    other.close();
    const before = readFileSync(path);
    const files = readdirSync(directory);
    const line = await expectRefusal(path);
    expect(line).toContain("not a litecached");
    expectUntouched(path, before, files);
  });

  test("Should refuse a directory and name it", async () => {
    const directory = temporaryDirectory();
    const path = join(directory, "folder.sqlite");
    mkdirSync(path);
    await expectRefusal(path);
    expect(readdirSync(path)).toEqual([]);
  });

  test("Should refuse a path inside a directory that does not exist", async () => {
    const path = join(temporaryDirectory(), "no-such-directory", "database.sqlite");
    await expectRefusal(path);
  });

  test("Should refuse an unreadable file (chmod 000) for a user who may not read it", async () => {
    const directory = temporaryDirectory();
    const path = join(directory, "locked.sqlite");
    writeFileSync(path, "");
    chmodSync(path, 0o000);
    // Root reads any file whatever its mode, unless it gives that power up.
    const isRoot = process.getuid?.() === 0;
    await expectRefusal(path, { honourFileModes: isRoot });
    expect(readFileSync(path).length).toBe(0);
    expect(readdirSync(directory)).toEqual(["locked.sqlite"]);
  });

  test("Should, run by root, read a chmod 000 text file anyway and refuse it as not a database", async () => {
    const directory = temporaryDirectory();
    const path = join(directory, "locked-notes.sqlite");
    writeFileSync(path, "plain text, mode 000\n");
    chmodSync(path, 0o000);
    const before = readFileSync(path);
    const line = await expectRefusal(path);
    // Root may read it, so the reason is its content; anyone else may not open it at all.
    if (process.getuid?.() === 0) expect(line).toContain("not a database");
    expectUntouched(path, before, ["locked-notes.sqlite"]);
  });

  test("Should refuse a database that a running litecached holds", async () => {
    const server = await startServer();
    try {
      await expectRefusal(server.databasePath);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe("busy ports", () => {
  /** Holds a port the way another program would. */
  function occupyPort(): { port: number; release(): void } {
    const listener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { data() {} },
    });
    return { port: listener.port, release: () => listener.stop(true) };
  }

  test("Should refuse a busy memcached port with one line naming it", async () => {
    const busy = occupyPort();
    try {
      const path = join(temporaryDirectory(), "database.sqlite");
      const result = await runCli([
        path,
        "--port",
        String(busy.port),
        "--http-port",
        String(freePort()),
      ]);
      expect(result.exitCode).not.toBe(0);
      expect(result.exitCode).not.toBeNull();
      const line = singleErrorLine(result);
      expect(line).toContain(String(busy.port));
      expect(line).toContain("memcached");
    } finally {
      busy.release();
    }
  });

  test("Should refuse a busy HTTP port with one line naming it", async () => {
    const busy = occupyPort();
    try {
      const path = join(temporaryDirectory(), "database.sqlite");
      const result = await runCli([
        path,
        "--port",
        String(freePort()),
        "--http-port",
        String(busy.port),
      ]);
      expect(result.exitCode).not.toBe(0);
      expect(result.exitCode).not.toBeNull();
      const line = singleErrorLine(result);
      expect(line).toContain(String(busy.port));
      expect(line).toContain("HTTP");
    } finally {
      busy.release();
    }
  });
});

describe("the working folder", () => {
  test("Should serve the monitor page and its script when started from another folder", async () => {
    const server = await startServer({ cwd: temporaryDirectory() });
    try {
      const origin = `http://127.0.0.1:${server.httpPort}`;
      const page = await fetch(`${origin}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /<script type="module" src="([^"]+)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await fetch(`${origin}${script}`);
      expect(asset.status).toBe(200);
      expect((await asset.text()).length).toBeGreaterThan(1000);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
