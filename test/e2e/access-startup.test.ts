/**
 * What litecached says at startup about access control, from the real
 * process: one warning line when it listens beyond loopback without
 * --auth-file (and none otherwise), and a refusal to start on an auth file
 * that memcached would refuse.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startServer, temporaryDirectory, temporaryFile } from "../support/server.ts";

const WARNING = /^\S+ litecached: warning: listening on 0\.0\.0\.0 without --auth-file: .*$/m;

const authFile = (contents: string): string => temporaryFile("auth", contents);

describe("Startup", () => {
  test("Should warn once when listening on every address without --auth-file", async () => {
    const server = await startServer({ extraArgs: ["--host", "0.0.0.0"] });
    try {
      expect(server.stderr()).toMatch(WARNING);
      expect(server.stderr().match(/warning/g)?.length).toBe(1);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("Should not warn on loopback, nor with --auth-file", async () => {
    const loopback = await startServer();
    const guarded = await startServer({
      extraArgs: ["--host", "0.0.0.0", "--auth-file", authFile("user:password\n")],
    });
    try {
      expect(loopback.stderr()).not.toContain("warning");
      expect(guarded.stderr()).not.toContain("warning");
    } finally {
      expect(await loopback.stop()).toBe(0);
      expect(await guarded.stop()).toBe(0);
    }
  });

  test("Should refuse to start on a malformed auth file, naming the file but not its lines", async () => {
    const path = authFile("user:password\nsecret-without-colon\n");
    const attempt = startServer({ extraArgs: ["--auth-file", path] });
    await expect(attempt).rejects.toThrow(/has a malformed entry/);
    await expect(startServer({ extraArgs: ["--auth-file", path] })).rejects.not.toThrow(
      /secret-without-colon/,
    );
  });

  test("Should refuse to start on a missing auth file", async () => {
    const missing = join(temporaryDirectory(), "missing");
    await expect(startServer({ extraArgs: ["--auth-file", missing] })).rejects.toThrow(
      /cannot read the auth file .*ENOENT/,
    );
  });
});
