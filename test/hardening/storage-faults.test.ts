/**
 * Storage faults: a full disk (a 2 MiB tmpfs, so the tests run as root),
 * a database locked by another process, a read-only file system. Writes
 * fail with SERVER_ERROR and reads go on; nothing acknowledged is lost;
 * startup problems are one clear line, never a stack trace.
 */

import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../support/ports.ts";
import {
  REPOSITORY_ROOT,
  type RunningServer,
  startServer,
  temporaryDirectory,
} from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";
import { bindReadOnly, mountTmpfs, unmount } from "./support/system.ts";

const DISK_FULL = "SERVER_ERROR storage failure (SQLITE_FULL)";
const STACK_FRAME = /^\s+at /m;

const servers: RunningServer[] = [];
const mounts: string[] = [];
const folders: string[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
  for (const mount of mounts) unmount(mount);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function smallDisk(): string {
  const parent = temporaryDirectory("litecached-full-");
  folders.push(parent);
  const directory = join(parent, "disk");
  mkdirSync(directory);
  mountTmpfs(directory, "2m");
  mounts.push(directory);
  return directory;
}

/** Takes every free byte of the file system holding `directory`. */
function fillDisk(directory: string): string {
  const filler = join(directory, "filler");
  const descriptor = openSync(filler, "w");
  for (const size of [65_536, 4096, 512, 1]) {
    const block = new Uint8Array(size);
    try {
      for (;;) writeSync(descriptor, block);
    } catch (error) {
      expect((error as { code?: string }).code).toBe("ENOSPC");
    }
  }
  closeSync(descriptor);
  return filler;
}

function valueFor(key: string, size: number): string {
  return `${key}:`.padEnd(size, "v");
}

/** Runs main.ts expecting it to refuse to start; returns its exit code and stderr. */
function startupFailure(databasePath: string): { exitCode: number | null; stderr: string } {
  const result = Bun.spawnSync(
    [
      process.execPath,
      join(REPOSITORY_ROOT, "main.ts"),
      databasePath,
      "--port",
      String(freePort()),
      "--http-port",
      String(freePort()),
    ],
    { cwd: REPOSITORY_ROOT, stdout: "pipe", stderr: "pipe", timeout: 15_000 },
  );
  return { exitCode: result.exitCode, stderr: result.stderr.toString() };
}

/** A startup refusal: exit code 1 and a single line on stderr, matching `pattern`. */
function expectOneClearLine(
  refusal: { exitCode: number | null; stderr: string },
  pattern: RegExp,
): void {
  expect(refusal.exitCode).toBe(1);
  expect(refusal.stderr).toMatch(pattern);
  expect(refusal.stderr.trim().split("\n")).toHaveLength(1);
}

/** Stores `prefix:0` to `prefix:29`, `size` bytes each; returns them, all acknowledged. */
async function storeThirty(
  client: TestClient,
  prefix: string,
  size: number,
): Promise<Map<string, string>> {
  const acknowledged = new Map<string, string>();
  for (let index = 0; index < 30; index++) {
    const key = `${prefix}:${index}`;
    expect(await client.set(key, valueFor(key, size))).toBe("STORED");
    acknowledged.set(key, valueFor(key, size));
  }
  return acknowledged;
}

async function expectAllStored(port: number, acknowledged: Map<string, string>): Promise<void> {
  const client = await TestClient.connect(port);
  await client.send(`get ${[...acknowledged.keys()].join(" ")}\r\n`);
  const values = await client.values();
  for (const [key, value] of acknowledged) {
    expect(new TextDecoder().decode(values.get(key)?.value)).toBe(value);
  }
  client.close();
}

describe("a full disk", () => {
  test("Should refuse writes with SERVER_ERROR, keep serving reads, and accept writes again once space is freed", async () => {
    const disk = smallDisk();
    const server = await startServer({ databasePath: join(disk, "database.sqlite") });
    servers.push(server);
    const client = await TestClient.connect(server.port);
    const acknowledged = await storeThirty(client, "before", 1024);
    expect(await client.set("counter", "41")).toBe("STORED");
    acknowledged.set("counter", "41");

    const filler = fillDisk(disk);
    const refused: string[] = [];
    for (let index = 0; index < 40; index++) {
      const key = `full:${index}`;
      const reply = await client.set(key, valueFor(key, 8192));
      if (reply === "STORED") acknowledged.set(key, valueFor(key, 8192));
      else {
        expect(reply).toBe(DISK_FULL);
        refused.push(key);
      }
    }
    // Whatever room the log had left is soon gone; from then on every write fails.
    expect(refused.length).toBeGreaterThan(30);
    expect(refused.at(-1)).toBe("full:39");

    // Pipelined writes of one turn share a commit, and its failure.
    await client.send(
      "set p1 0 0 1\r\na\r\nset p2 0 0 1\r\nb\r\ndelete before:1\r\nincr counter 1\r\nadd p3 0 0 1\r\nc\r\n",
    );
    for (let reply = 0; reply < 5; reply++) expect(await client.line()).toBe(DISK_FULL);
    refused.push("p1", "p2", "p3");
    expect(await client.call("delete before:2\r\n")).toBe(DISK_FULL);
    expect(await client.call("flush_all\r\n")).toBe(DISK_FULL);

    // Reads, stats and new connections carry on.
    await expectAllStored(server.port, acknowledged);
    const stats = await client.stats();
    expect(Number(stats.get("commit_failures"))).toBeGreaterThan(0);
    const other = await TestClient.connect(server.port);
    expect(await other.call("version\r\n")).toStartWith("VERSION ");
    expect(server.stderr()).toContain("storage error: database or disk is full");
    expect(server.stderr()).not.toMatch(STACK_FRAME);

    rmSync(filler);
    expect(await client.set("after:0", "room again")).toBe("STORED");
    acknowledged.set("after:0", "room again");
    expect(await other.call("incr counter 1\r\n")).toBe("42");
    acknowledged.set("counter", "42");
    expect(await other.call("delete before:1\r\n")).toBe("DELETED");
    acknowledged.delete("before:1");

    expect(await server.stop()).toBe(0);
    const restarted = await startServer({ databasePath: server.databasePath });
    servers.push(restarted);
    await expectAllStored(restarted.port, acknowledged);
    const check = await TestClient.connect(restarted.port);
    await check.send(`get ${refused.join(" ")} before:1\r\n`);
    expect([...(await check.values()).keys()]).toEqual([]);
    check.close();
    expect(await restarted.stop()).toBe(0);
    const database = new Database(server.databasePath, { readonly: true });
    expect(database.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
    database.close();
    console.log(
      `disk full: ${acknowledged.size} acknowledged writes intact after restart, ${refused.length} refused writes absent`,
    );
  });

  test("Should stop cleanly while the disk is full and refuse to restart on it with one clear line", async () => {
    const disk = smallDisk();
    const server = await startServer({ databasePath: join(disk, "database.sqlite") });
    servers.push(server);
    const client = await TestClient.connect(server.port);
    const acknowledged = await storeThirty(client, "kept", 2048);
    const filler = fillDisk(disk);
    expect(await client.set("late", valueFor("late", 8192))).toBe(DISK_FULL);
    expect(await server.stop()).toBe(0);
    expect(server.stderr()).not.toMatch(STACK_FRAME);

    expectOneClearLine(
      startupFailure(server.databasePath),
      /^litecached: cannot use .*database\.sqlite: the disk is full/,
    );

    rmSync(filler);
    const restarted = await startServer({ databasePath: server.databasePath });
    servers.push(restarted);
    await expectAllStored(restarted.port, acknowledged);
    expect(await restarted.stop()).toBe(0);
  });
});

describe("a database another process holds", () => {
  test("Should refuse to start with one clear line while another process holds a write transaction", async () => {
    const databasePath = join(temporaryDirectory(), "database.sqlite");
    const first = await startServer({ databasePath });
    servers.push(first);
    const client = await TestClient.connect(first.port);
    expect(await client.set("kept", "yes")).toBe("STORED");
    expect(await first.stop()).toBe(0);

    for (const hold of ["BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"]) {
      const holder = new Database(databasePath);
      holder.run(hold);
      const refusal = startupFailure(databasePath);
      holder.run("ROLLBACK");
      holder.close();
      expectOneClearLine(refusal, /^litecached: .*database\.sqlite is in use by another process/);
    }

    const restarted = await startServer({ databasePath });
    servers.push(restarted);
    await expectAllStored(restarted.port, new Map([["kept", "yes"]]));
    expect(await restarted.stop()).toBe(0);
  });

  test("Should keep a second server out of a database the first one serves", async () => {
    const first = await startServer();
    servers.push(first);
    const refusal = startupFailure(first.databasePath);
    expect(refusal.exitCode).toBe(1);
    expect(refusal.stderr).toMatch(/is in use by another process/);
    const client = await TestClient.connect(first.port);
    expect(await client.set("still", "served")).toBe("STORED");
    client.close();
  });
});

describe("a read-only file system", () => {
  test("Should refuse to start with one clear line, for an existing database and a new one", async () => {
    const folder = temporaryDirectory();
    const writable = await startServer({ databasePath: join(folder, "database.sqlite") });
    servers.push(writable);
    expect(await writable.stop()).toBe(0);
    const readOnly = `${folder}-read-only`;
    mkdirSync(readOnly);
    folders.push(folder, readOnly);
    bindReadOnly(folder, readOnly);
    mounts.push(readOnly);

    for (const name of ["database.sqlite", "new.sqlite"]) {
      expectOneClearLine(
        startupFailure(join(readOnly, name)),
        /^litecached: cannot (use|open) .*: its folder is on a read-only file system/,
      );
    }
  });
});
