/**
 * libmemcached's tools against the real server: its conformance checker,
 * memcapable (Debian ships it as memccapable), over the text protocol tests
 * (litecached does not speak the binary protocol, so only `-a` is run), and
 * memcdump, which lists keys through `stats items` and `stats cachedump`.
 */
import { afterAll, expect, test } from "bun:test";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const MEMCAPABLE = "/usr/bin/memccapable";
const MEMCDUMP = "/usr/bin/memcdump";

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

async function run(command: string[]): Promise<{ output: string; exitCode: number }> {
  const child = Bun.spawn(command, { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { output: `${stdout}${stderr}`, exitCode };
}

test("Should pass every ASCII protocol test of libmemcached's memcapable", async () => {
  const server = await startServer();
  servers.push(server);
  const { output: report, exitCode } = await run([
    MEMCAPABLE,
    ...["-h", "127.0.0.1", "-p", String(server.port), "-a", "-t", "5"],
  ]);
  expect(report).not.toContain("[FAIL]");
  expect(report).toContain("All tests passed");
  expect(report.match(/\[pass\]/g)?.length).toBe(27);
  expect(exitCode).toBe(0);
});

test("Should let memcdump list every stored key", async () => {
  const server = await startServer();
  servers.push(server);
  const client = await TestClient.connect(server.port);
  const keys = ["alpha", "beta:1", "gamma/2", "z"];
  client.send(keys.map((key) => `set ${key} 0 0 1\r\nv\r\n`).join(""));
  await client.readUntil("STORED\r\n".repeat(keys.length));
  client.close();
  const { output, exitCode } = await run([MEMCDUMP, `--servers=127.0.0.1:${server.port}`]);
  expect(output.trim().split("\n").sort()).toEqual(keys);
  expect(exitCode).toBe(0);
});
