/**
 * Checkpoints off the event loop: the Store's own connection never
 * checkpoints during commits; the worker copies the log back, the log starts
 * again from its top while writes go on, and a close empties it and ends
 * the worker.
 */

import { Database } from "bun:sqlite";
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checkpointer, type CheckpointOptions } from "../../src/store/checkpointer.ts";
import { Store } from "../../src/store/store.ts";
import { latin1Bytes as bytes } from "../support/bytes.ts";

const WAIT_MS = 60_000;
/** A frame of the write-ahead log: a 4 KiB page and its 24-byte header. */
const WAL_FRAME_BYTES = 4096 + 24;
const VALUE = bytes("v".repeat(2000));

const root = mkdtempSync(join(tmpdir(), "litecached-checkpoint-"));
let counter = 0;
const open: Store[] = [];

function openStore(checkpoint: CheckpointOptions, sync: "normal" | "full" = "normal"): Store {
  const folder = join(root, `case-${++counter}`);
  mkdirSync(folder);
  const store = new Store(join(folder, "database.sqlite"), { sync, checkpoint });
  open.push(store);
  return store;
}

function durable(store: Store): Promise<Error | undefined> {
  return new Promise((resolve) => store.whenDurable(resolve));
}

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);

/**
 * Writes a batch of new keys per turn until `done` says stop or the wait runs
 * out; returns how many it wrote. Keys are numbered from `first`.
 */
async function writeUntil(store: Store, done: () => boolean, first = 0): Promise<number> {
  const deadline = Date.now() + WAIT_MS;
  let written = 0;
  while (!done() && Date.now() < deadline) {
    for (let index = 0; index < 50; index++) {
      store.set(bytes(`key-${first + written++}`), VALUE, 0);
    }
    expect(await durable(store)).toBeUndefined();
    await Bun.sleep(1);
  }
  return written;
}

/**
 * One round of the restart: the Store catches up only when the worker falls
 * behind its writes (a worker that keeps up, as with a slow writer on a busy
 * machine, starts the log again by itself). A reader's snapshot holds every
 * checkpoint back, so the worker falls behind whatever the timing; writes go
 * on until the Store has caught up once more, then, the reader gone, until
 * the log has started again (cut back to `restartedBytes` as it does).
 * Returns how many keys it wrote, numbered from `first`.
 */
async function catchUpOnce(store: Store, restartedBytes: number, first: number): Promise<number> {
  const wal = `${store.path}-wal`;
  const catchUps = store.catchUpCount;
  let written = 0;
  const reader = new Database(store.path, { readonly: true });
  try {
    reader.run("BEGIN");
    reader.query("SELECT count(*) FROM items").get();
    written += await writeUntil(store, () => store.catchUpCount > catchUps, first);
    expect(store.catchUpCount).toBeGreaterThan(catchUps);
    expect(sizeOf(wal)).toBeGreaterThan(restartedBytes);
    reader.run("COMMIT");
  } finally {
    reader.close();
  }
  written += await writeUntil(store, () => sizeOf(wal) <= restartedBytes, first + written);
  expect(sizeOf(wal)).toBeLessThanOrEqual(restartedBytes);
  return written;
}

afterEach(() => {
  for (const store of open.splice(0)) store.close();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("Store: the checkpoint worker", () => {
  test(
    "Should copy the log into the database on the worker, not in the Store's commits",
    async () => {
      const store = openStore({ intervalMs: 10, restartLogFrames: 1_000_000 });
      const before = sizeOf(store.path);
      await writeUntil(store, () => store.checkpointCount >= 2 && sizeOf(store.path) > before);
      expect(store.checkpointCount).toBeGreaterThanOrEqual(2);
      expect(sizeOf(store.path)).toBeGreaterThan(before);
      expect(store.catchUpCount).toBe(0);
    },
    WAIT_MS * 2,
  );

  test(
    "Should start the log again from its top while writes go on, keeping it bounded",
    async () => {
      const restartLogFrames = 200;
      const store = openStore({ intervalMs: 0, restartLogFrames });
      const wal = `${store.path}-wal`;
      let largest = 0;
      let written = await writeUntil(store, () => store.commitCount >= 1);
      for (let round = 0; round < 10; round++) {
        written += await catchUpOnce(store, restartLogFrames * WAL_FRAME_BYTES, written);
        largest = Math.max(largest, sizeOf(wal));
      }
      expect(store.catchUpCount).toBeGreaterThanOrEqual(10);
      // Without a restart the log would hold everything written; reused from
      // its top, it stays a fraction of that.
      expect(largest).toBeLessThan((written * VALUE.length) / 2);
      expect(store.itemCount).toBe(written);
    },
    WAIT_MS * 21,
  );

  test(
    "Should checkpoint with --sync full too, every item kept",
    async () => {
      const restartLogFrames = 200;
      const store = openStore({ intervalMs: 0, restartLogFrames }, "full");
      let written = await writeUntil(store, () => store.commitCount >= 1);
      written += await catchUpOnce(store, restartLogFrames * WAL_FRAME_BYTES, written);
      expect(store.catchUpCount).toBeGreaterThanOrEqual(1);
      const path = store.path;
      store.close();
      open.splice(open.indexOf(store), 1);
      const db = new Database(path, { readonly: true });
      try {
        expect(db.query("SELECT count(*) AS count FROM items").get()).toEqual({ count: written });
        expect(db.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
      } finally {
        db.close();
      }
    },
    WAIT_MS * 3,
  );

  test(
    "Should keep answering checkpoint requests when the worker cannot open the database",
    async () => {
      // A request left unanswered would stop every later pass, and the log would grow for good.
      const checkpointer = new Checkpointer(join(root, "missing", "database.sqlite"), "normal", {
        intervalMs: 0,
        restartLogFrames: 200,
      });
      try {
        const deadline = Date.now() + WAIT_MS;
        while (checkpointer.failures < 3 && Date.now() < deadline) {
          checkpointer.afterCommit();
          await Bun.sleep(10);
        }
        // One for the open, then one per request.
        expect(checkpointer.failures).toBeGreaterThanOrEqual(3);
        expect(checkpointer.passes).toBe(0);
      } finally {
        checkpointer.close();
      }
    },
    WAIT_MS * 2,
  );

  test(
    "Should leave an empty log at close and end the worker's connection",
    async () => {
      const store = openStore({ intervalMs: 10, restartLogFrames: 1_000_000 });
      await writeUntil(store, () => store.checkpointCount >= 1);
      const path = store.path;
      store.close();
      open.splice(open.indexOf(store), 1);
      expect(sizeOf(`${path}-wal`)).toBe(0);
      // Once the worker's connection is gone too, nobody holds the file:
      // an exclusive lock can be taken.
      const deadline = Date.now() + WAIT_MS;
      let locked = false;
      while (!locked && Date.now() < deadline) {
        const db = new Database(path);
        try {
          db.run("PRAGMA locking_mode = EXCLUSIVE");
          db.run("BEGIN EXCLUSIVE");
          db.run("COMMIT");
          locked = true;
        } catch {
          await Bun.sleep(10);
        } finally {
          db.close(true);
        }
      }
      expect(locked).toBe(true);
    },
    WAIT_MS * 2,
  );
});
