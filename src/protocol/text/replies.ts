/**
 * Every fixed reply of the memcached text protocol, as memcached 1.6 sends
 * it, pre-encoded once. Replies that carry data are built in encoder.ts.
 */
import { storageErrorCode } from "../storage-errors.ts";

const encoder = new TextEncoder();
const line = (text: string): Uint8Array => encoder.encode(`${text}\r\n`);

export const Reply = {
  STORED: line("STORED"),
  NOT_STORED: line("NOT_STORED"),
  EXISTS: line("EXISTS"),
  NOT_FOUND: line("NOT_FOUND"),
  DELETED: line("DELETED"),
  TOUCHED: line("TOUCHED"),
  OK: line("OK"),
  END: line("END"),
  RESET: line("RESET"),
  ERROR: line("ERROR"),
  TOO_MANY_CONNECTIONS: line("ERROR Too many open connections"),
  BAD_COMMAND_LINE: line("CLIENT_ERROR bad command line format"),
  BAD_DATA_CHUNK: line("CLIENT_ERROR bad data chunk"),
  BAD_DELETE_USAGE: line("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"),
  INVALID_DELTA: line("CLIENT_ERROR invalid numeric delta argument"),
  INVALID_EXPTIME: line("CLIENT_ERROR invalid exptime argument"),
  NON_NUMERIC_VALUE: line("CLIENT_ERROR cannot increment or decrement non-numeric value"),
  STATS_DETAIL_USAGE: line("CLIENT_ERROR usage: stats detail on|off|dump"),
  /** memcached's words for a `stats cachedump` without its two numbers. */
  BAD_COMMAND_LINE_SHORT: line("CLIENT_ERROR bad command line"),
  ILLEGAL_SLAB_ID: line("CLIENT_ERROR Illegal slab id"),
  OBJECT_TOO_LARGE: line("SERVER_ERROR object too large for cache"),
} as const;

/**
 * Sent instead of a reply (and in place of every acknowledgement of a failed
 * group commit) when SQLite fails: the error code, never a stack trace.
 */
export function storageFailureReply(error: Error): Uint8Array {
  const code = storageErrorCode(error);
  return line(`SERVER_ERROR storage failure${code === undefined ? "" : ` (${code})`}`);
}
