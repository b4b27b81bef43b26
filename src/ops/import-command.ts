/**
 * The `litecached import <database.sqlite> --from HOST:PORT` subcommand:
 * argument parsing, a progress line on stderr and a summary on stdout
 * around importFromMemcached.
 */
import { DatabaseOpenError, Store } from "../store/store.ts";
import { type ImportProgress, importFromMemcached } from "./import-from-memcached.ts";
import { SourceError } from "./memcached-source.ts";

export const IMPORT_USAGE = `Usage: litecached import <database.sqlite> --from <host:port>

Copies every item of a running memcached (1.4.31 or later, LRU crawler
enabled) into the database, which is created if needed. Keys are listed
with "lru_crawler metadump hash" (or "all" where hash is unknown) and
values read with pipelined gets; flags
are kept, expiration times are not (litecached items never expire). Items
that vanish or expire during the copy are counted and skipped. Run it while
litecached is stopped: the server and the import cannot share the database.`;

const DEFAULT_MEMCACHED_PORT = 11211;
/** A new progress line every this many items when stderr is not a terminal. */
const PROGRESS_LINE_EVERY = 50_000;

/** Runs the subcommand; returns the process exit code. */
export async function runImportCommand(args: readonly string[]): Promise<number> {
  const parsed = parseImportArgs(args);
  if (parsed.kind === "error") {
    console.error(`litecached import: ${parsed.message}\n\n${IMPORT_USAGE}`);
    return 2;
  }
  if (parsed.kind === "help") {
    console.log(IMPORT_USAGE);
    return 0;
  }
  let store: Store;
  try {
    // No memory tier: every item is written once and never read here.
    store = new Store(parsed.databasePath, { sync: "normal", memoryBytes: 0 });
  } catch (error) {
    if (!(error instanceof DatabaseOpenError)) throw error;
    console.error(`litecached import: ${error.message}`);
    return 1;
  }
  const startedMs = performance.now();
  try {
    const summary = await importFromMemcached(store, {
      host: parsed.host,
      port: parsed.port,
      onProgress: progressPrinter(),
    });
    const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
    if (process.stderr.isTTY) process.stderr.write("\n");
    console.log(
      `litecached import: copied ${summary.copied} items (${summary.bytes} bytes) from memcached ${summary.sourceVersion} at ${parsed.host}:${parsed.port}, which held ${summary.sourceItems} when the copy began, into ${parsed.databasePath} in ${seconds} s; skipped ${summary.vanished} that vanished or expired meanwhile; ${summary.hadExpiry} copied items had an expiration time, which litecached does not keep`,
    );
    return 0;
  } catch (error) {
    const message = failureMessage(error, parsed.databasePath);
    if (message === undefined) throw error;
    if (process.stderr.isTTY) process.stderr.write("\n");
    console.error(`litecached import: ${message}`);
    return 1;
  } finally {
    store.close();
  }
}

/** One line for a failure of the source or of the database; undefined for a bug. */
function failureMessage(error: unknown, databasePath: string): string | undefined {
  if (error instanceof SourceError) return error.message;
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && typeof code === "string" && code.startsWith("SQLITE_")) {
    return `cannot write to ${databasePath}: ${error.message} (${code}); the items copied so far are kept`;
  }
  return undefined;
}

export type ImportArgs =
  | { kind: "run"; databasePath: string; host: string; port: number }
  | { kind: "help" }
  | { kind: "error"; message: string };

const usageError = (message: string): ImportArgs => ({ kind: "error", message });

export function parseImportArgs(args: readonly string[]): ImportArgs {
  let databasePath: string | undefined;
  let from: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "--from") from = args[++index];
    else if (arg.startsWith("--from=")) from = arg.slice("--from=".length);
    else if (arg.startsWith("-")) return usageError(`unknown option ${arg}`);
    else if (databasePath === undefined) databasePath = arg;
    else return usageError(`unexpected argument ${arg}`);
  }
  if (databasePath === undefined) return usageError("missing the database path");
  if (from === undefined || from === "") return usageError("missing --from <host:port>");
  const match = /^(.+?)(?::(\d+))?$/.exec(from);
  const port = Number(match?.[2] ?? DEFAULT_MEMCACHED_PORT);
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    return usageError(`--from must be host:port, not ${from}`);
  }
  const host = (match[1] as string).replace(/^\[(.*)\]$/, "$1");
  return { kind: "run", databasePath, host, port };
}

/** A line that updates in place on a terminal, and an occasional line otherwise. */
function progressPrinter(): (progress: ImportProgress) => void {
  let lastLineAt = 0;
  return (progress) => {
    const text = `litecached import: ${progress.copied} items copied, ${progress.vanished} vanished`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${text}`);
    } else if (progress.copied - lastLineAt >= PROGRESS_LINE_EVERY) {
      lastLineAt = progress.copied;
      process.stderr.write(`${text}\n`);
    }
  };
}
