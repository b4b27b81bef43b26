/**
 * Ruby's Dalli 3.0 (Debian's ruby-dalli, which speaks the binary protocol)
 * against the real litecached process: a Ruby object stored and read back
 * through Marshal, get_multi, cas, add, incr/decr, delete and flush. The
 * Ruby side is clients/dalli-client.rb; it prints one JSON line per check.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { runClientScript } from "../support/client-scripts.ts";
import { type RunningServer, startServer } from "../support/server.ts";

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

test("Should serve Dalli's set, get, get_multi, cas, incr, delete and flush", async () => {
  const { exitCode, stderr, checks } = await runClientScript("dalli-client.rb", [
    String(server.port),
  ]);
  expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
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
