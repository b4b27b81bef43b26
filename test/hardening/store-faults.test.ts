/**
 * The Store's failure paths with a real full disk: a batch too large for
 * SQLite's page cache spills into the write-ahead log in the middle of the
 * transaction, a statement fails with SQLITE_FULL and SQLite rolls the whole
 * transaction back. Every write of that batch, before and after the failing
 * one, must be reported failed and be absent, and the Store must go on.
 */
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { join } from "node:path";
import { Store } from "../../src/store/store.ts";
import { temporaryDirectory } from "../support/server.ts";
import { mountTmpfs, unmount } from "./support/system.ts";

const mounts: string[] = [];
const folders: string[] = [];
afterAll(() => {
  for (const mount of mounts) unmount(mount);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

const encoder = new TextEncoder();
const key = (text: string) => encoder.encode(text);

function freeBytes(directory: string): number {
  const { bavail, bsize } = statfsSync(directory);
  return bavail * bsize;
}

test("Should fail every write of a batch that SQLite rolled back mid-transaction, and keep working", async () => {
  const parent = temporaryDirectory("litecached-spill-");
  folders.push(parent);
  const disk = join(parent, "disk");
  mkdirSync(disk);
  // Larger than the 32 MiB page cache, so that the batch below must spill.
  mountTmpfs(disk, "48m");
  mounts.push(disk);
  const store = new Store(join(disk, "database.sqlite"), { sync: "normal" });
  store.set(key("before"), key("kept"), 0);
  store.commit();

  // Leave 8 MiB: far less than the 45 MB batch.
  const filler = join(disk, "filler");
  const descriptor = openSync(filler, "w");
  const megabyte = new Uint8Array(1024 * 1024);
  while (freeBytes(disk) > 8 * 1024 * 1024) writeSync(descriptor, megabyte);
  closeSync(descriptor);

  const value = new Uint8Array(1_000_000).fill(7);
  const thrown: string[] = [];
  let firstFailure = -1;
  let outcome: Error | undefined | "pending" = "pending";
  for (let index = 0; index < 45; index++) {
    try {
      store.set(key(`batch:${index}`), value, 0);
    } catch (error) {
      // What the memcached server does with a write that throws.
      store.noteWriteFailure(error as Error);
      if (firstFailure === -1) firstFailure = index;
      thrown.push((error as { code?: string }).code ?? String(error));
    }
  }
  store.whenDurable((failure) => {
    outcome = failure;
  });
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));

  expect(thrown.length).toBeGreaterThan(0);
  expect(thrown.every((code) => code === "SQLITE_FULL")).toBe(true);
  expect(outcome).toBeInstanceOf(Error);
  expect((outcome as unknown as Error).message).toBe("database or disk is full");
  for (let index = 0; index < 45; index++) expect(store.get(key(`batch:${index}`))).toBeNull();
  expect(store.get(key("before"))?.value).toEqual(key("kept"));
  expect(store.itemCount).toBe(1);
  expect(store.commitFailureCount).toBeGreaterThan(0);

  rmSync(filler);
  store.set(key("after"), key("room again"), 0);
  let afterOutcome: Error | undefined | "pending" = "pending";
  store.whenDurable((failure) => {
    afterOutcome = failure;
  });
  store.commit();
  expect(afterOutcome).toBeUndefined();
  expect(store.itemCount).toBe(2);
  store.close();
  console.log(
    `mid-transaction SQLITE_FULL: write ${firstFailure + 1} of 45 threw; all 45 reported failed and absent`,
  );
});
