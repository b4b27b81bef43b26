/**
 * Command-line configuration: flags, their defaults and validation.
 * Parsing is pure (no process exit here) so it can be tested directly;
 * main.ts turns a ConfigError into a one-line message and exit code 2.
 */

export const VERSION = "0.1.0";

/**
 * The memcached release whose text protocol litecached speaks, and which it
 * reports to `version` and `stats`: clients and tools (libmemcached's
 * memcapable among them) choose what to expect from that number, and some
 * parse it as three integers.
 */
export const MEMCACHED_PROTOCOL_VERSION = "1.6.18";

export const SYNC_MODES = ["normal", "full"] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

export interface Config {
  databasePath: string;
  host: string;
  port: number;
  httpPort: number;
  maxConnections: number;
  maxItemSize: number;
  sync: SyncMode;
  /** Seconds of silence after which a connection is closed; 0 disables. */
  idleTimeout: number;
  /** The memory tier's budget in bytes (hot items held in front of SQLite); 0 turns it off. */
  memory: number;
}

export type CommandLine = { kind: "run"; config: Config } | { kind: "help" } | { kind: "version" };

export class ConfigError extends Error {
  override name = "ConfigError";
}

export const USAGE = `Usage: litecached [options] <database.sqlite>

A memcached-compatible server that keeps every item in SQLite.

Options:
  --port <n>            memcached TCP port (default 11211)
  --http-port <n>       monitor HTTP port (default 8000)
  --host <address>      address both ports listen on (default 127.0.0.1)
  --max-conns <n>       simultaneous memcached connections (default 1024)
  --max-item-size <n>   largest value in bytes; k and m suffixes (default 1m)
  --sync normal|full    normal survives process crashes; full also fsyncs
                        every commit to survive power loss (default normal)
  --memory <size>       memory for hot items in front of SQLite; k, m and g
                        suffixes, 0 for none (default 64m)
  --idle-timeout <s>    close memcached connections silent for s seconds
                        (default 0: never)
  --version             print the version and exit
  -h, --help            print this help and exit`;

const DEFAULTS = {
  host: "127.0.0.1",
  port: 11211,
  httpPort: 8000,
  maxConnections: 1024,
  maxItemSize: 1024 * 1024,
  sync: "normal",
  idleTimeout: 0,
  memory: 64 * 1024 * 1024,
} as const satisfies Omit<Config, "databasePath">;

/** memcached refuses items above 1 GiB whatever its -I says; so do we. */
const MAX_ITEM_SIZE_LIMIT = 1024 * 1024 * 1024;
/** A sanity bound on --memory, far above any machine this runs on. */
const MAX_MEMORY_LIMIT = 1024 * 1024 * 1024 * 1024;

type ValueFlag =
  | "--port"
  | "--http-port"
  | "--host"
  | "--max-conns"
  | "--max-item-size"
  | "--sync"
  | "--idle-timeout"
  | "--memory";

const VALUE_FLAGS: ReadonlySet<string> = new Set<ValueFlag>([
  "--port",
  "--http-port",
  "--host",
  "--max-conns",
  "--max-item-size",
  "--sync",
  "--idle-timeout",
  "--memory",
]);

export function parseCommandLine(args: readonly string[]): CommandLine {
  const config: Omit<Config, "databasePath"> & { databasePath?: string } = { ...DEFAULTS };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "--version") return { kind: "version" };
    if (arg.startsWith("-") && arg !== "-") {
      const [flag, inlineValue] = splitFlag(arg);
      if (!VALUE_FLAGS.has(flag)) throw new ConfigError(`unknown option ${flag}`);
      const value = inlineValue ?? takeValue(args, ++index);
      if (value === undefined) throw new ConfigError(`${flag} needs a value`);
      applyFlag(config, flag as ValueFlag, value);
      continue;
    }
    if (config.databasePath !== undefined) {
      throw new ConfigError(
        `unexpected argument ${arg} (the database path is already ${config.databasePath})`,
      );
    }
    config.databasePath = arg;
  }
  if (config.databasePath === undefined) throw new ConfigError("missing the database path");
  return { kind: "run", config: { ...config, databasePath: config.databasePath } };
}

/**
 * The argument after a flag, unless it is another flag: `--host --port 1`
 * lacks a host, it does not listen on "--port".
 */
function takeValue(args: readonly string[], index: number): string | undefined {
  const value = args[index];
  return value?.startsWith("--") ? undefined : value;
}

function splitFlag(arg: string): [string, string | undefined] {
  const equals = arg.indexOf("=");
  return equals === -1 ? [arg, undefined] : [arg.slice(0, equals), arg.slice(equals + 1)];
}

function applyFlag(config: Omit<Config, "databasePath">, flag: ValueFlag, value: string): void {
  switch (flag) {
    case "--port":
      config.port = parsePort(flag, value);
      return;
    case "--http-port":
      config.httpPort = parsePort(flag, value);
      return;
    case "--host":
      if (value.trim() === "") throw new ConfigError(`${flag} needs an address`);
      config.host = value;
      return;
    case "--max-conns":
      config.maxConnections = parseInteger(flag, value, 1, 1_000_000);
      return;
    case "--max-item-size":
      config.maxItemSize = parseSize(flag, value, 1, MAX_ITEM_SIZE_LIMIT, "1g");
      return;
    case "--memory":
      config.memory = parseSize(flag, value, 0, MAX_MEMORY_LIMIT, "1024g");
      return;
    case "--sync":
      if (!(SYNC_MODES as readonly string[]).includes(value)) {
        throw new ConfigError(`${flag} must be one of ${SYNC_MODES.join(", ")}, not ${value}`);
      }
      config.sync = value as SyncMode;
      return;
    case "--idle-timeout":
      config.idleTimeout = parseInteger(flag, value, 0, 86_400 * 365);
      return;
  }
}

function parseInteger(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value)) throw new ConfigError(`${flag} must be a whole number, not ${value}`);
  const number = Number(value);
  if (number < min || number > max) {
    throw new ConfigError(`${flag} must be between ${min} and ${max}, not ${value}`);
  }
  return number;
}

function parsePort(flag: string, value: string): number {
  return parseInteger(flag, value, 1, 65535);
}

const SIZE_SUFFIXES: Record<string, number> = { "": 1, k: 1024, m: 1024 * 1024, g: 1024 ** 3 };

function parseSize(flag: string, value: string, min: number, max: number, maxText: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(value);
  if (!match) throw new ConfigError(`${flag} must be a size such as 512k or 1m, not ${value}`);
  const size = Number(match[1]) * (SIZE_SUFFIXES[(match[2] ?? "").toLowerCase()] ?? 1);
  if (size < min || size > max) {
    throw new ConfigError(`${flag} must be between ${min} and ${maxText}, not ${value}`);
  }
  return size;
}
