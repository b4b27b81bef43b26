/**
 * The memory tier as `stats` shows it: memcached's memory fields
 * (`limit_maxbytes`, `bytes`, `evictions`, `stats settings` maxbytes)
 * describe the tier, with its hits and misses beside them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { RawClient } from "../support/raw-client.ts";
import { type RunningServer, startServer } from "../support/server.ts";

const BUDGET = 256 * 1024;
const VALUE = "v".repeat(1000);

async function stats(client: RawClient, group = ""): Promise<Map<string, number>> {
  client.send(group ? `stats ${group}\r\n` : "stats\r\n");
  const reply = await client.readUntil("END\r\n");
  const fields = new Map<string, number>();
  for (const match of reply.matchAll(/^STAT (\S+) (\d+)\r$/gm)) {
    fields.set(match[1] as string, Number(match[2]));
  }
  return fields;
}

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ extraArgs: ["--memory", "256k"] });
});

afterAll(async () => {
  await server.stop();
  rmSync(dirname(server.databasePath), { recursive: true, force: true });
});

describe("stats: the memory tier", () => {
  test("Should report the --memory budget as limit_maxbytes and stats settings maxbytes", async () => {
    const client = await RawClient.connect(server.port);
    expect((await stats(client)).get("limit_maxbytes")).toBe(BUDGET);
    expect((await stats(client, "settings")).get("maxbytes")).toBe(BUDGET);
    client.close();
  });

  test("Should count hits and misses, stay within the budget and count evictions", async () => {
    const client = await RawClient.connect(server.port);
    const before = await stats(client);
    for (let index = 0; index < 400; index++) {
      client.send(`set tier:${index} 0 0 ${VALUE.length}\r\n${VALUE}\r\n`);
      await client.readUntil("STORED\r\n");
    }
    for (const key of ["tier:399", "tier:399", "tier:absent"]) {
      client.send(`get ${key}\r\n`);
      await client.readUntil("END\r\n");
    }
    const after = await stats(client);
    const delta = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    expect(delta("memory_tier_hits")).toBe(2);
    expect(delta("memory_tier_misses")).toBe(1);
    expect(after.get("bytes")).toBeGreaterThan(0);
    expect(after.get("bytes")).toBeLessThanOrEqual(BUDGET);
    expect(after.get("evictions")).toBeGreaterThan(0);
    expect(after.get("item_bytes")).toBeGreaterThanOrEqual(400 * VALUE.length);
    expect(after.get("curr_items")).toBe(400);
    client.close();
  });
});
