/**
 * --max-item-size holds for values grown in place: append and prepend
 * cannot build a value larger than a set could store (memcached answers
 * NOT_STORED), so repeated appends cannot grow one value without bound.
 */
import { afterAll, expect, test } from "bun:test";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

test("Should refuse an append or prepend that would grow a value past --max-item-size", async () => {
  const server = await startServer({ extraArgs: ["--max-item-size", "1k"] });
  servers.push(server);
  const client = await TestClient.connect(server.port);
  expect(await client.set("grown", "a".repeat(1000))).toBe("STORED");
  expect(await client.call(`append grown 0 0 25\r\n${"b".repeat(25)}\r\n`)).toBe("NOT_STORED");
  expect(await client.call(`prepend grown 0 0 25\r\n${"b".repeat(25)}\r\n`)).toBe("NOT_STORED");
  expect(new TextDecoder().decode(await client.get("grown"))).toBe("a".repeat(1000));
  // Up to the limit exactly is fine.
  expect(await client.call(`append grown 0 0 24\r\n${"c".repeat(24)}\r\n`)).toBe("STORED");
  expect((await client.get("grown"))?.length).toBe(1024);
  client.close();
});
