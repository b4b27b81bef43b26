/**
 * libmemcached's tools against the real server: its conformance checker,
 * memcapable (Debian ships it as memccapable), over the text (`-a`) and
 * binary (`-b`) protocol tests; memcdump, which lists keys through `stats
 * items` and `stats cachedump`; and memccp/memccat with `--binary`.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCommand } from "../support/command.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const MEMCAPABLE = "/usr/bin/memccapable";
const MEMCDUMP = "/usr/bin/memcdump";
const MEMCCP = "/usr/bin/memccp";
const MEMCCAT = "/usr/bin/memccat";

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

async function run(command: string[]): Promise<{ output: string; exitCode: number }> {
  const { stdout, stderr, exitCode } = await runCommand(command);
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

test("Should pass every binary protocol test of libmemcached's memcapable", async () => {
  const server = await startServer();
  servers.push(server);
  const { output: report, exitCode } = await run([
    MEMCAPABLE,
    ...["-h", "127.0.0.1", "-p", String(server.port), "-b", "-t", "5"],
  ]);
  expect(report).not.toContain("[FAIL]");
  expect(report).toContain("All tests passed");
  expect(report.match(/\[pass\]/g)?.length).toBe(27);
  expect(exitCode).toBe(0);
});

test("Should copy a file in with memccp --binary and read it back with memccat --binary", async () => {
  const server = await startServer();
  servers.push(server);
  const folder = mkdtempSync(join(tmpdir(), "litecached-memccp-"));
  try {
    const content = Buffer.from(Array.from({ length: 3000 }, (_, index) => (index * 7) & 0xff));
    writeFileSync(join(folder, "blob.bin"), content);
    const target = `--servers=127.0.0.1:${server.port}`;
    const copy = await run([MEMCCP, "--binary", target, join(folder, "blob.bin")]);
    expect(copy.exitCode).toBe(0);
    const child = Bun.spawn([MEMCCAT, "--binary", target, "blob.bin"], { stdout: "pipe" });
    const [read, exitCode] = await Promise.all([
      new Response(child.stdout).arrayBuffer(),
      child.exited,
    ]);
    expect(exitCode).toBe(0);
    // memccat ends each value with a newline of its own.
    expect(Buffer.compare(Buffer.from(read), Buffer.concat([content, Buffer.from("\n")]))).toBe(0);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
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
