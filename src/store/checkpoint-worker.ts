/**
 * The checkpoint worker: a thread with its own SQLite connection that
 * copies the write-ahead log back into the database when the Store asks,
 * so that the checkpoint's copying and fsyncs never stall the event loop
 * that serves clients. PASSIVE checkpoints take no lock a writer needs.
 *
 * Messages in: open (once), checkpoint, close. Messages out: the result of
 * each checkpoint (frames in the log, frames copied) or its error, one
 * reply per checkpoint request.
 */
import { Database } from "bun:sqlite";
import type { SyncMode } from "../config.ts";

export type CheckpointRequest =
  /** `closed` is set to 1 (and notified) once the worker's connection is closed. */
  | { type: "open"; path: string; sync: SyncMode; closed: Int32Array }
  | { type: "checkpoint" }
  | { type: "close" };

export type CheckpointReply =
  | { type: "checkpointed"; logFrames: number; copiedFrames: number }
  | { type: "failed"; message: string };

declare const self: Worker;

let db: Database | undefined;
let closed: Int32Array | undefined;

function checkpoint(connection: Database): CheckpointReply {
  try {
    const row = connection.query("PRAGMA wal_checkpoint(PASSIVE)").get() as {
      log: number;
      checkpointed: number;
    };
    return { type: "checkpointed", logFrames: row.log, copiedFrames: row.checkpointed };
  } catch (error) {
    return failure(error);
  }
}

function failure(error: unknown): CheckpointReply {
  return { type: "failed", message: error instanceof Error ? error.message : String(error) };
}

self.onmessage = (event: MessageEvent<CheckpointRequest>) => {
  const request = event.data;
  switch (request.type) {
    case "open":
      closed = request.closed;
      try {
        db = new Database(request.path, { readwrite: true, create: false });
        // The checkpoint's fsyncs follow the Store's mode: either way the log
        // is synced before copying and the database after, so the log is
        // never started again before the database holds its pages.
        db.run(`PRAGMA synchronous = ${request.sync === "full" ? "FULL" : "NORMAL"}`);
        db.run("PRAGMA wal_autocheckpoint = 0");
      } catch (error) {
        db = undefined;
        self.postMessage(failure(error));
      }
      return;
    case "checkpoint":
      // Every request gets a reply, even without a connection: the Store
      // asks for no new pass until the last one answered.
      self.postMessage(db === undefined ? failure(new Error("no connection")) : checkpoint(db));
      return;
    case "close":
      db?.close(true);
      db = undefined;
      if (closed !== undefined) {
        Atomics.store(closed, 0, 1);
        Atomics.notify(closed, 0);
      }
      process.exit(0);
  }
};
