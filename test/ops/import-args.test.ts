/**
 * `litecached import` argument parsing and memcached's URI-encoded metadump
 * keys, without a server.
 */
import { describe, expect, test } from "bun:test";
import { type ImportArgs, parseImportArgs } from "../../src/ops/import-command.ts";
import { decodeUri, multigetRequest } from "../../src/ops/memcached-source.ts";

describe("parseImportArgs", () => {
  test("Should read the database path and --from in either form and order", () => {
    const expected: ImportArgs = {
      kind: "run",
      databasePath: "db.sqlite",
      host: "10.0.0.5",
      port: 11311,
    };
    expect(parseImportArgs(["db.sqlite", "--from", "10.0.0.5:11311"])).toEqual(expected);
    expect(parseImportArgs(["--from=10.0.0.5:11311", "db.sqlite"])).toEqual(expected);
  });

  test("Should default to memcached's port and accept a bracketed IPv6 address", () => {
    expect(parseImportArgs(["db.sqlite", "--from", "cache"])).toMatchObject({
      host: "cache",
      port: 11211,
    });
    expect(parseImportArgs(["db.sqlite", "--from", "[::1]:11212"])).toMatchObject({
      host: "::1",
      port: 11212,
    });
  });

  test("Should say what is wrong with a bad command line", () => {
    const messages = [
      [[], "missing the database path"],
      [["db.sqlite"], "missing --from <host:port>"],
      [["db.sqlite", "--from"], "missing --from <host:port>"],
      [["db.sqlite", "--from", "host:99999"], "--from must be host:port, not host:99999"],
      [["db.sqlite", "other.sqlite", "--from", "h"], "unexpected argument other.sqlite"],
      [["db.sqlite", "--to", "h"], "unknown option --to"],
    ] as const;
    for (const [args, message] of messages) {
      expect(parseImportArgs(args)).toEqual({ kind: "error", message });
    }
    expect(parseImportArgs(["--help"])).toEqual({ kind: "help" });
  });
});

describe("metadump keys and multigets", () => {
  test("Should decode %XX to bytes and keep other characters as they are", () => {
    expect([...decodeUri("a%2520b")]).toEqual([...Buffer.from("a%20b")]);
    expect([...decodeUri("caf%C3%A9%FF")]).toEqual([0x63, 0x61, 0x66, 0xc3, 0xa9, 0xff]);
    expect([...decodeUri("user:1_x-y.z~")]).toEqual([...Buffer.from("user:1_x-y.z~")]);
  });

  test("Should build one get line with the keys' exact bytes", () => {
    const request = multigetRequest([Buffer.from("a"), Uint8Array.from([0xff, 0x25])]);
    expect([...request]).toEqual([...Buffer.from("get a "), 0xff, 0x25, 0x0d, 0x0a]);
  });
});
