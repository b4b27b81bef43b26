import { describe, expect, test } from "bun:test";
import { ConfigError, parseCommandLine } from "../src/config.ts";

describe("parseCommandLine", () => {
  test("Should use memcached's defaults when only the database path is given", () => {
    expect(parseCommandLine(["database.sqlite"])).toEqual({
      kind: "run",
      config: {
        databasePath: "database.sqlite",
        host: "127.0.0.1",
        port: 11211,
        httpPort: 8000,
        maxConnections: 1024,
        maxItemSize: 1024 * 1024,
        sync: "normal",
        idleTimeout: 0,
      },
    });
  });

  test("Should reject an unknown flag", () => {
    expect(() => parseCommandLine(["--bogus", "db.sqlite"])).toThrow(ConfigError);
  });
});
