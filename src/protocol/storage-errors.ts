/**
 * What every front end does when SQLite fails under a request (disk full,
 * I/O error): tell the Store (the batch may be lost), count it, and log it
 * without flooding the log.
 */
import { log } from "../log.ts";
import type { CommandCore } from "./command-core.ts";

/** A full disk fails every request: log at most one failure a second. */
const LOG_INTERVAL_MS = 1000;
let lastLogMs = 0;

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** A request threw: note it against the pending batch, count and log it. */
export function noteStorageFailure(core: CommandCore, error: Error): void {
  core.store.noteWriteFailure(error);
  core.stats.counters.store_failed++;
  logStorageError(error);
}

export function logStorageError(error: Error): void {
  const now = Date.now();
  if (now - lastLogMs < LOG_INTERVAL_MS) return;
  lastLogMs = now;
  log.error("storage_error", `storage error: ${error.message}`, { error: error.message });
}

/** The SQLite error code worth showing a client (never a message or a stack trace). */
export function storageErrorCode(error: Error): string | undefined {
  const code = "code" in error ? error.code : undefined;
  return typeof code === "string" && /^[A-Z_]+$/.test(code) ? code : undefined;
}
