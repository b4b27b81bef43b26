/**
 * The access-control pieces in process: the auth file as memcached reads
 * it, the constant-time credentials check, memcached's safe_strtoul for
 * the handshake length, the failure lockout on a fake clock, the exposure
 * warning, and the new command-line flags.
 */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Access } from "../../src/auth/access.ts";
import { AuthFileError, loadAuthFile, parseAuthFile } from "../../src/auth/auth-file.ts";
import { Credentials } from "../../src/auth/credentials.ts";
import { exposureWarning, isLoopbackHost } from "../../src/auth/exposure.ts";
import { FAILURE_WINDOW_MS, FailureLimiter, MAX_FAILURES } from "../../src/auth/failure-limiter.ts";
import { ConfigError, parseCommandLine } from "../../src/config.ts";
import { parseUint32 } from "../../src/protocol/numbers.ts";
import { Stats } from "../../src/stats.ts";
import { latin1Bytes } from "../support/bytes.ts";
import { temporaryDirectory } from "../support/temporary-folders.ts";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");
const entries = (file: string) =>
  parseAuthFile(Buffer.from(file, "latin1"))?.map(({ user, password }) => [
    text(user),
    text(password),
  ]);

describe("parseAuthFile", () => {
  test("Should read user:password lines, with or without a last newline", () => {
    expect(entries("foo:bar\nbaaaz:quux\n")).toEqual([
      ["foo", "bar"],
      ["baaaz", "quux"],
    ]);
    expect(entries("foo:bar\nbaaaz:quux")).toEqual([
      ["foo", "bar"],
      ["baaaz", "quux"],
    ]);
  });

  test("Should split at the first colon and end the password at \\r", () => {
    expect(entries("user:pass:with:colons\r\n")).toEqual([["user", "pass:with:colons"]]);
    expect(entries("user:\n")).toEqual([["user", ""]]);
    expect(entries(":only-a-password\n")).toEqual([["", "only-a-password"]]);
  });

  test("Should find no entries in an empty file", () => {
    expect(entries("")).toEqual([]);
  });

  test("Should refuse a line without a colon, an empty line among them", () => {
    expect(entries("foo:bar\nnocolon\n")).toBeUndefined();
    expect(entries("foo:bar\n\nbaaaz:quux\n")).toBeUndefined();
  });

  test("Should keep more than memcached's 8 entries", () => {
    const file = Array.from({ length: 20 }, (_, index) => `user${index}:pw${index}`).join("\n");
    expect(entries(file)?.length).toBe(20);
  });
});

describe("loadAuthFile", () => {
  test("Should name the file, not its lines, when it is malformed or missing", () => {
    const folder = temporaryDirectory();
    const path = join(folder, "auth");
    writeFileSync(path, "secret-password-line\n");
    expect(() => loadAuthFile(path)).toThrow(AuthFileError);
    expect(() => loadAuthFile(path)).toThrow(/malformed entry/);
    expect(() => loadAuthFile(path)).not.toThrow(/secret-password-line/);
    expect(() => loadAuthFile(join(folder, "missing"))).toThrow(
      /cannot read the auth file .*ENOENT/,
    );
  });
});

describe("Credentials", () => {
  const credentials = new Credentials(parseAuthFile(Buffer.from("foo:bar\nbaaaz:quux\n")) ?? []);

  test("Should accept each user with its own password only", () => {
    expect(credentials.check("foo", "bar")).toBe(true);
    expect(credentials.check("baaaz", "quux")).toBe(true);
    expect(credentials.check("foo", "quux")).toBe(false);
    expect(credentials.check("baaaz", "bar")).toBe(false);
  });

  test("Should refuse prefixes, extensions and empty values", () => {
    for (const [user, password] of [
      ["foo", "ba"],
      ["foo", "barr"],
      ["fo", "bar"],
      ["", ""],
      ["foo", ""],
    ] as const) {
      expect(credentials.check(user, password)).toBe(false);
    }
  });

  test("Should count attempts and failures through Access, as memcached's auth_cmds and auth_errors", () => {
    const stats = new Stats();
    const access = new Access(credentials, stats);
    expect(access.authenticate("10.0.0.1", "foo", "bar")).toBe("ok");
    expect(access.authenticate("10.0.0.1", "foo", "nope")).toBe("failed");
    expect([stats.counters.auth_cmds, stats.counters.auth_errors]).toEqual([2, 1]);
  });
});

describe("parseUint32, as memcached's safe_strtoul reads the auth handshake's length", () => {
  test.each([
    ["7", 7],
    ["7\r", 7],
    ["+7", 7],
    ["\t7", 7],
    ["0", 0],
    ["-0", 0],
    ["4294967303", 7],
    ["18446744073709551615", 4294967295],
  ])("Should read %p as %p", (input, expected) => {
    expect(parseUint32(latin1Bytes(input))).toBe(expected);
  });

  test.each(["", "-1", "-5", "seven", "7x", "0x10", "18446744073709551616", "+", "\r"])(
    "Should refuse %p",
    (input) => {
      expect(parseUint32(latin1Bytes(input))).toBeUndefined();
    },
  );
});

describe("FailureLimiter", () => {
  test("Should lock an address out at MAX_FAILURES failures within the window, and only that address", () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter(() => now);
    for (let failure = 1; failure < MAX_FAILURES; failure++) {
      expect(limiter.recordFailure("10.0.0.1")).toBe(false);
    }
    expect(limiter.isLockedOut("10.0.0.1")).toBe(false);
    expect(limiter.recordFailure("10.0.0.1")).toBe(true);
    expect(limiter.isLockedOut("10.0.0.1")).toBe(true);
    expect(limiter.isLockedOut("10.0.0.2")).toBe(false);
    now += FAILURE_WINDOW_MS;
    expect(limiter.isLockedOut("10.0.0.1")).toBe(false);
  });

  test("Should forget failures older than the window", () => {
    let now = 0;
    const limiter = new FailureLimiter(() => now);
    for (let failure = 1; failure < MAX_FAILURES; failure++) limiter.recordFailure("10.0.0.1");
    now += FAILURE_WINDOW_MS + 1;
    expect(limiter.recordFailure("10.0.0.1")).toBe(false);
  });

  test("Should not check the password of a locked-out address", () => {
    const credentials = new Credentials(parseAuthFile(Buffer.from("foo:bar\n")) ?? []);
    const access = new Access(credentials, undefined, new FailureLimiter(() => 0));
    for (let failure = 1; failure < MAX_FAILURES; failure++) {
      expect(access.authenticate("10.0.0.1", "foo", "wrong")).toBe("failed");
    }
    expect(access.authenticate("10.0.0.1", "foo", "wrong")).toBe("locked_out");
    expect(access.authenticate("10.0.0.1", "foo", "bar")).toBe("locked_out");
    expect(access.authenticate("10.0.0.2", "foo", "bar")).toBe("ok");
  });
});

describe("The exposure warning", () => {
  test.each(["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "LOCALHOST"])(
    "Should count %p as loopback",
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
      expect(exposureWarning(host, undefined)).toBeUndefined();
    },
  );

  test.each(["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "128.0.0.1"])(
    "Should warn for %p without an auth file, not with one",
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
      expect(exposureWarning(host, undefined)).toContain(
        `listening on ${host} without --auth-file`,
      );
      expect(exposureWarning(host, "/etc/litecached/auth")).toBeUndefined();
    },
  );
});

describe("The access-control flags", () => {
  const configOf = (...args: string[]) => {
    const line = parseCommandLine(["db.sqlite", ...args]);
    if (line.kind !== "run") throw new Error("expected a run");
    return line.config;
  };

  test("Should leave authentication and TLS off by default", () => {
    const config = configOf();
    expect([config.authFile, config.tlsCert, config.tlsKey]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  test("Should take the paths, in either form", () => {
    const config = configOf("--auth-file", "auth.txt", "--tls-cert=c.pem", "--tls-key", "k.pem");
    expect([config.authFile, config.tlsCert, config.tlsKey]).toEqual([
      "auth.txt",
      "c.pem",
      "k.pem",
    ]);
  });

  test("Should refuse an empty path and a certificate without its key", () => {
    expect(() => configOf("--auth-file=")).toThrow(ConfigError);
    expect(() => configOf("--tls-cert", "c.pem")).toThrow(/go together/);
    expect(() => configOf("--tls-key", "k.pem")).toThrow(/go together/);
  });
});
