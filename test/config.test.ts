/**
 * Command-line parsing: every flag in both forms, size suffixes, what is
 * refused and why, and --help / --version.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, ConfigError, parseCommandLine, USAGE, VERSION } from "../src/config.ts";

const DEFAULTS: Config = {
  databasePath: "database.sqlite",
  host: "127.0.0.1",
  port: 11211,
  httpPort: 8000,
  maxConnections: 1024,
  maxItemSize: 1024 * 1024,
  sync: "normal",
  idleTimeout: 0,
  memory: 64 * 1024 * 1024,
};

/** The config for `args` followed by the database path. */
function configOf(...args: string[]): Config {
  const result = parseCommandLine([...args, "database.sqlite"]);
  if (result.kind !== "run") throw new Error(`expected a run, got ${result.kind}`);
  return result.config;
}

/** The ConfigError message for `args`; fails the test if they parse. */
function errorOf(args: string[]): string {
  try {
    parseCommandLine(args);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`expected ${JSON.stringify(args)} to be refused`);
}

describe("parseCommandLine", () => {
  test("Should use memcached's defaults when only the database path is given", () => {
    expect(parseCommandLine(["database.sqlite"])).toEqual({ kind: "run", config: DEFAULTS });
  });

  const flags: [string[], Partial<Config>][] = [
    [["--port", "1234"], { port: 1234 }],
    [["--http-port", "8080"], { httpPort: 8080 }],
    [["--host", "0.0.0.0"], { host: "0.0.0.0" }],
    [["--host", "::1"], { host: "::1" }],
    [["--max-conns", "10"], { maxConnections: 10 }],
    [["--max-item-size", "2048"], { maxItemSize: 2048 }],
    [["--sync", "full"], { sync: "full" }],
    [["--sync", "normal"], { sync: "normal" }],
    [["--idle-timeout", "30"], { idleTimeout: 30 }],
    [["--memory", "256m"], { memory: 256 * 1024 * 1024 }],
  ];
  for (const [args, expected] of flags) {
    test(`Should read ${args.join(" ")}`, () => {
      expect(configOf(...args)).toEqual({ ...DEFAULTS, ...expected });
    });

    test(`Should read ${args.join("=")}`, () => {
      expect(configOf(args.join("="))).toEqual({ ...DEFAULTS, ...expected });
    });
  }

  test("Should read every flag at once, before and after the path", () => {
    const result = parseCommandLine([
      "--port=1",
      "--http-port",
      "2",
      "data.sqlite",
      "--host=localhost",
      "--max-conns",
      "3",
      "--max-item-size=4k",
      "--sync",
      "full",
      "--idle-timeout=5",
      "--memory",
      "6m",
    ]);
    expect(result).toEqual({
      kind: "run",
      config: {
        databasePath: "data.sqlite",
        port: 1,
        httpPort: 2,
        host: "localhost",
        maxConnections: 3,
        maxItemSize: 4096,
        sync: "full",
        idleTimeout: 5,
        memory: 6 * 1024 * 1024,
      },
    });
  });

  test("Should let a repeated flag's last value win", () => {
    expect(configOf("--port", "1", "--port=2").port).toBe(2);
  });

  test("Should keep everything after the first = as the value", () => {
    expect(configOf("--host=a=b").host).toBe("a=b");
  });

  test("Should take the ends of every range", () => {
    expect(configOf("--port", "1", "--http-port", "65535")).toMatchObject({
      port: 1,
      httpPort: 65535,
    });
    expect(configOf("--max-conns", "1").maxConnections).toBe(1);
    expect(configOf("--max-conns", "1000000").maxConnections).toBe(1_000_000);
    expect(configOf("--idle-timeout", "0").idleTimeout).toBe(0);
    expect(configOf("--idle-timeout", "31536000").idleTimeout).toBe(31_536_000);
    expect(configOf("--max-item-size", "1").maxItemSize).toBe(1);
    expect(configOf("--max-item-size", "1g").maxItemSize).toBe(1024 ** 3);
    expect(configOf("--memory", "0").memory).toBe(0);
    expect(configOf("--memory", "1024g").memory).toBe(1024 ** 4);
  });

  test("Should read k, m and g size suffixes in either case", () => {
    expect(configOf("--max-item-size", "512k").maxItemSize).toBe(512 * 1024);
    expect(configOf("--max-item-size", "512K").maxItemSize).toBe(512 * 1024);
    expect(configOf("--max-item-size", "2m").maxItemSize).toBe(2 * 1024 * 1024);
    expect(configOf("--max-item-size=2M").maxItemSize).toBe(2 * 1024 * 1024);
    expect(configOf("--max-item-size", "1G").maxItemSize).toBe(1024 ** 3);
    expect(configOf("--max-item-size", "0001k").maxItemSize).toBe(1024);
    expect(configOf("--memory", "100k").memory).toBe(100 * 1024);
    expect(configOf("--memory=2G").memory).toBe(2 * 1024 ** 3);
  });

  const invalid: [string[], string][] = [
    [["--port", "0"], "--port must be between 1 and 65535, not 0"],
    [["--port", "65536"], "--port must be between 1 and 65535, not 65536"],
    [["--port", "abc"], "--port must be a whole number, not abc"],
    [["--port", "-1"], "--port must be a whole number, not -1"],
    [["--port", "1.5"], "--port must be a whole number, not 1.5"],
    [["--port", "1e3"], "--port must be a whole number, not 1e3"],
    [["--port", " 80"], "--port must be a whole number, not  80"],
    [["--port", "99999999999999999999999"], "--port must be between 1 and 65535"],
    [["--port="], "--port must be a whole number, not "],
    [["--http-port", "0"], "--http-port must be between 1 and 65535, not 0"],
    [["--http-port", "x"], "--http-port must be a whole number, not x"],
    [["--host", ""], "--host needs an address"],
    [["--host", "   "], "--host needs an address"],
    [["--host="], "--host needs an address"],
    [["--max-conns", "0"], "--max-conns must be between 1 and 1000000, not 0"],
    [["--max-conns", "1000001"], "--max-conns must be between 1 and 1000000, not 1000001"],
    [["--max-conns", "many"], "--max-conns must be a whole number, not many"],
    [["--max-item-size", "0"], "--max-item-size must be between 1 and 1g, not 0"],
    [["--max-item-size", "0k"], "--max-item-size must be between 1 and 1g, not 0k"],
    [["--max-item-size", "2g"], "--max-item-size must be between 1 and 1g, not 2g"],
    [["--max-item-size", "1025m"], "--max-item-size must be between 1 and 1g, not 1025m"],
    [["--max-item-size", "1t"], "--max-item-size must be a size such as 512k or 1m, not 1t"],
    [["--max-item-size", "1.5m"], "--max-item-size must be a size such as 512k or 1m, not 1.5m"],
    [["--max-item-size", "1 m"], "--max-item-size must be a size such as 512k or 1m, not 1 m"],
    [["--max-item-size", "m"], "--max-item-size must be a size such as 512k or 1m, not m"],
    [["--max-item-size", "-1"], "--max-item-size must be a size such as 512k or 1m, not -1"],
    [["--max-item-size", "1kb"], "--max-item-size must be a size such as 512k or 1m, not 1kb"],
    [["--memory", "1025g"], "--memory must be between 0 and 1024g, not 1025g"],
    [["--memory", "64mb"], "--memory must be a size such as 512k or 1m, not 64mb"],
    [["--memory", "-1"], "--memory must be a size such as 512k or 1m, not -1"],
    [["--memory", ""], "--memory must be a size such as 512k or 1m, not "],
    [["--sync", "fast"], "--sync must be one of normal, full, not fast"],
    [["--sync", "FULL"], "--sync must be one of normal, full, not FULL"],
    [["--sync="], "--sync must be one of normal, full, not "],
    [["--idle-timeout", "-1"], "--idle-timeout must be a whole number, not -1"],
    [["--idle-timeout", "soon"], "--idle-timeout must be a whole number, not soon"],
    [["--idle-timeout", "31536001"], "--idle-timeout must be between 0 and 31536000, not 31536001"],
  ];
  for (const [args, message] of invalid) {
    test(`Should refuse ${JSON.stringify(args.join(" "))} and say why`, () => {
      expect(errorOf([...args, "database.sqlite"])).toStartWith(message);
    });
  }

  test("Should refuse an unknown flag, naming it", () => {
    expect(errorOf(["--bogus", "db.sqlite"])).toBe("unknown option --bogus");
    expect(errorOf(["--bogus=1", "db.sqlite"])).toBe("unknown option --bogus");
    expect(errorOf(["-p", "11211", "db.sqlite"])).toBe("unknown option -p");
    expect(errorOf(["--PORT", "1", "db.sqlite"])).toBe("unknown option --PORT");
  });

  test("Should refuse a flag given without its value", () => {
    expect(errorOf(["db.sqlite", "--port"])).toBe("--port needs a value");
    expect(errorOf(["db.sqlite", "--sync"])).toBe("--sync needs a value");
  });

  test("Should not take the next flag as a flag's value", () => {
    expect(errorOf(["--host", "--port", "1234", "db.sqlite"])).toBe("--host needs a value");
    expect(errorOf(["--sync", "--port=1", "db.sqlite"])).toBe("--sync needs a value");
  });

  test("Should refuse a command line without a database path", () => {
    expect(errorOf([])).toBe("missing the database path");
    expect(errorOf(["--port", "1234"])).toBe("missing the database path");
  });

  test("Should refuse a second database path, naming both", () => {
    const message = errorOf(["one.sqlite", "two.sqlite"]);
    expect(message).toContain("two.sqlite");
    expect(message).toContain("one.sqlite");
  });

  test("Should take a lone - as a path, not a flag", () => {
    expect(parseCommandLine(["-"])).toMatchObject({ kind: "run", config: { databasePath: "-" } });
  });

  test("Should take paths with spaces and equals signs as they are", () => {
    expect(configOf().databasePath).toBe("database.sqlite");
    expect(parseCommandLine(["my data=1.sqlite"])).toMatchObject({
      config: { databasePath: "my data=1.sqlite" },
    });
  });

  test("Should answer --help and -h wherever they appear, with or without a path", () => {
    expect(parseCommandLine(["--help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["-h"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["db.sqlite", "--port", "1", "--help"])).toEqual({ kind: "help" });
    expect(parseCommandLine(["--help", "one", "two"])).toEqual({ kind: "help" });
  });

  test("Should answer --version with or without a path", () => {
    expect(parseCommandLine(["--version"])).toEqual({ kind: "version" });
    expect(parseCommandLine(["db.sqlite", "--version"])).toEqual({ kind: "version" });
  });
});

describe("USAGE and VERSION", () => {
  test("Should name every flag in the usage text", () => {
    for (const flag of [
      "--port",
      "--http-port",
      "--host",
      "--max-conns",
      "--max-item-size",
      "--sync",
      "--idle-timeout",
      "--memory",
      "--version",
      "-h, --help",
    ]) {
      expect(USAGE).toContain(flag);
    }
    expect(USAGE).toStartWith("Usage: litecached [options] <database.sqlite>");
  });

  test("Should match the options listed in the README", () => {
    const readme = readFileSync(join(import.meta.dir, "..", "README.md"), "utf8");
    const options = USAGE.slice(USAGE.indexOf("  --port"));
    expect(readme).toContain(options);
  });

  test("Should report the version in package.json", () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dir, "..", "package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
  });
});
