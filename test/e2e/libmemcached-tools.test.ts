/**
 * libmemcached's own conformance checker, memcapable (Debian ships it as
 * memccapable), run against the real server over its text protocol tests.
 * litecached does not speak the binary protocol, so only `-a` is run.
 */
import { afterAll, expect, test } from "bun:test";
import { type RunningServer, startServer } from "../support/server.ts";

const MEMCAPABLE = "/usr/bin/memccapable";

let server: RunningServer | undefined;
afterAll(async () => {
  await server?.kill();
});

test("Should pass every ASCII protocol test of libmemcached's memcapable", async () => {
  server = await startServer();
  const child = Bun.spawn(
    [MEMCAPABLE, "-h", "127.0.0.1", "-p", String(server.port), "-a", "-t", "5"],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const report = `${stdout}${stderr}`;
  expect(report).not.toContain("[FAIL]");
  expect(report).toContain("All tests passed");
  expect(report.match(/\[pass\]/g)?.length).toBe(27);
  expect(exitCode).toBe(0);
});
