/**
 * Ruby's Dalli 3.0 (Debian's ruby-dalli, which speaks the binary protocol)
 * against the real litecached process: a Ruby object stored and read back
 * through Marshal, get_multi, cas, add, incr/decr, delete and flush. The
 * Ruby side is clients/dalli-client.rb; it prints one JSON line per check.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { type RunningServer, startServer } from "../support/server.ts";

const RUBY = "/usr/bin/ruby";
const SCRIPT = join(import.meta.dir, "clients", "dalli-client.rb");

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

test("Should serve Dalli's set, get, get_multi, cas, incr, delete and flush", async () => {
  const child = Bun.spawn([RUBY, SCRIPT, String(server.port)], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
  const checks = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as [string, unknown]);
  expect(checks).toEqual([
    ["set an object", true],
    ["get the object back", true],
    ["get a missing key", null],
    ["get_multi", { "dalli:a": "first", "dalli:b": [2, "second"] }],
    ["cas with the current value", true],
    ["after cas", 15],
    ["cas of a missing key", null],
    ["add an existing key", false],
    ["incr with a default", 100],
    ["incr", 107],
    ["decr below zero", 0],
    ["delete", true],
    ["get after delete", null],
    ["version", ["1.6.18"]],
    ["flush", 1],
    ["get after flush", null],
  ]);
}, 30_000);
