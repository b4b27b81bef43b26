/**
 * Backups and inspection of a running litecached with the standard `sqlite3`
 * shell, while clients write: `VACUUM INTO` and `.backup` each give a file
 * that passes `PRAGMA integrity_check`, opens in litecached and holds every
 * write acknowledged before the backup began. The README's read-only
 * queries run on the live database, and its restore steps are followed.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { runCommand } from "../support/command.ts";
import {
  REPOSITORY_ROOT,
  type RunningServer,
  startServer,
  temporaryDirectory,
} from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";
import { readAll, writeAll } from "./support/pool.ts";

/** Real processes on a busy machine: more than bun's 5 s default, hooks included. */
setDefaultTimeout(60_000);

const SQLITE3_PATH = "/usr/bin/sqlite3";
/** Items present before the writers start: a database of several MB, many backup steps. */
const PREFILLED_COUNT = 20_000;
/** Keys the README's prefix query finds. */
const USER_COUNT = 100;
const WRITER_COUNT = 4;
/**
 * A writer stops after this many writes. `.backup` starts over whenever the
 * database changed between two of its steps, so on a very busy machine it
 * could chase the writers for long; the cap bounds that (it took at most
 * 7.5 s and 142,000 writes in trials, usually well under a second).
 */
const MAX_WRITES_PER_WRITER = 100_000;
/** Acknowledged writes each writer makes before the first backup starts. */
const WRITES_BEFORE_BACKUP = 200;
const SLOW_TEST_MS = 180_000;

const prefilled = new Map<string, string>();
for (let index = 0; index < PREFILLED_COUNT; index++) {
  prefilled.set(`page:${index}`, `<p>${index}</p>${"z".repeat(index % 1000)}`);
}
for (let index = 0; index < USER_COUNT; index++) prefilled.set(`user:${index}`, `{"id":${index}}`);

let directory: string;
let server: RunningServer;
/** Writes acknowledged (STORED) so far, by key. */
const acknowledged = new Map<string, string>();
let writersRunning = true;
let writers: Promise<void>[] = [];
const writerErrors: string[] = [];

/** One connection setting fresh keys one after the other until told to stop. */
async function writer(id: number): Promise<void> {
  const client = await TestClient.connect(server.port);
  try {
    for (let sequence = 0; writersRunning && sequence < MAX_WRITES_PER_WRITER; sequence++) {
      const key = `writer:${id}:${sequence}`;
      const value = `${id}/${sequence}/${"w".repeat(sequence % 500)}`;
      const reply = await client.set(key, value);
      if (reply === "STORED") acknowledged.set(key, value);
      else writerErrors.push(reply);
    }
  } finally {
    client.close();
  }
}

function sqlite3(args: string[]): { stdout: string; stderr: string; exitCode: number } {
  const result = Bun.spawnSync([SQLITE3_PATH, ...args], { stdin: "ignore" });
  return {
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
    exitCode: result.exitCode,
  };
}

/** Runs a backup command on the live database while the writers write; checks the copy. */
async function backUpAndCheck(name: string, backup: (target: string) => string[]): Promise<void> {
  const target = join(directory, `${name}.sqlite`);
  const before = new Map(acknowledged);
  const startedMs = performance.now();
  const { stdout, stderr, exitCode } = await runCommand([SQLITE3_PATH, ...backup(target)]);
  const seconds = (performance.now() - startedMs) / 1000;
  expect({ stdout, stderr, exitCode }).toEqual({ stdout: "", stderr: "", exitCode: 0 });
  const writtenDuring = acknowledged.size - before.size;
  console.log(
    `${name}: ${statSync(target).size} bytes in ${seconds.toFixed(2)} s, ${before.size} acknowledged writes before it, ${writtenDuring} during it`,
  );
  // The writers must have kept writing while the backup ran.
  expect(writtenDuring).toBeGreaterThan(0);
  expect(sqlite3([target, "PRAGMA integrity_check"]).stdout).toBe("ok\n");

  const restored = await startServer({ databasePath: target });
  try {
    const expected = new Map([...prefilled, ...before]);
    expect(await readAll(restored.port, [...expected.keys()])).toEqual(expected);
  } finally {
    expect(await restored.stop()).toBe(0);
  }
}

beforeAll(async () => {
  directory = temporaryDirectory("litecached-backup-");
  server = await startServer({ databasePath: join(directory, "database.sqlite") });
  await writeAll(server.port, prefilled);
  writers = Array.from({ length: WRITER_COUNT }, (_, id) => writer(id));
  while (acknowledged.size < WRITER_COUNT * WRITES_BEFORE_BACKUP) await Bun.sleep(10);
}, SLOW_TEST_MS);

afterAll(async () => {
  writersRunning = false;
  await Promise.allSettled(writers);
  if (server?.process.exitCode === null) await server.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe("backups of a running litecached while clients write", () => {
  test(
    "Should take a consistent backup with VACUUM INTO",
    async () => {
      await backUpAndCheck("vacuum-into", (target) => [
        server.databasePath,
        `VACUUM INTO '${target}'`,
      ]);
    },
    SLOW_TEST_MS,
  );

  test(
    "Should take a consistent backup with the shell's .backup",
    async () => {
      await backUpAndCheck("dot-backup", (target) => [server.databasePath, `.backup '${target}'`]);
    },
    SLOW_TEST_MS,
  );

  test("Should run the README's read-only queries on the live database", () => {
    const readme = readFileSync(join(REPOSITORY_ROOT, "README.md"), "utf8");
    const queries = [...readme.matchAll(/^sqlite3 -readonly database\.sqlite "(.+)"$/gm)].map(
      (match) => match[1] as string,
    );
    expect(queries).toHaveLength(2);
    const [largest, byPrefix] = queries.map((query) =>
      sqlite3(["-readonly", server.databasePath, query]),
    );
    // The longest values are those of page:10999 … page:19999: 12 + 999 bytes.
    expect(largest?.stderr).toBe("");
    expect(largest?.stdout.split("\n")[0]).toMatch(/^page:1\d999\|1011$/);
    expect(byPrefix?.stderr).toBe("");
    const prefixed = byPrefix?.stdout.trim().split("\n") ?? [];
    expect(prefixed.length).toBeGreaterThan(0);
    expect(prefixed.every((line) => line.startsWith("user:"))).toBe(true);
  });

  test("Should refuse writes from the read-only shell", () => {
    const result = sqlite3(["-readonly", server.databasePath, "DELETE FROM items"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain("readonly");
  });

  test(
    "Should restore a backup by stop, copy, start",
    async () => {
      writersRunning = false;
      await Promise.all(writers);
      expect(writerErrors).toEqual([]);
      expect(await server.stop()).toBe(0);
      // The README's restore: stop, remove the old write-ahead log, copy, start.
      rmSync(`${server.databasePath}-wal`, { force: true });
      rmSync(`${server.databasePath}-shm`, { force: true });
      copyFileSync(join(directory, "vacuum-into.sqlite"), server.databasePath);
      server = await startServer({ databasePath: server.databasePath });
      const client = await TestClient.connect(server.port);
      try {
        const first = await client.getMany(["page:0", "writer:0:0"]);
        expect(first.size).toBe(2);
      } finally {
        client.close();
      }
    },
    SLOW_TEST_MS,
  );
});
