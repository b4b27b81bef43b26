/**
 * The meta protocol against the real server, through the test client's
 * framed mode: quiet pipelines, durability of writes whose success was
 * only implied, base64 keys, and meta mixed with classic commands.
 * (Byte-exact replies are the differential test's job.)
 */
import { afterAll, describe, expect, test } from "bun:test";
import { latin1Text } from "../support/bytes.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const servers: RunningServer[] = [];
const clients: TestClient[] = [];

async function start(
  databasePath?: string,
): Promise<{ server: RunningServer; client: TestClient }> {
  const server = await startServer(databasePath === undefined ? {} : { databasePath });
  servers.push(server);
  const client = await TestClient.connect(server.port);
  clients.push(client);
  return { server, client };
}

afterAll(async () => {
  for (const client of clients) client.close();
  await Promise.all(servers.map((server) => server.kill()));
});

const WRITES = 200;

describe("the meta protocol end to end", () => {
  test("Should answer a pipeline of quiet writes with nothing but mn's MN, and keep every write", async () => {
    const { client } = await start();
    let pipeline = "";
    for (let index = 0; index < WRITES; index++) {
      const value = `value ${index}`;
      pipeline += `ms quiet:${index} ${value.length} q F${index}\r\n${value}\r\n`;
    }
    await client.send(`${pipeline}mn\r\n`);
    expect((await client.metaReply()).line).toBe("MN");
    const reads = Array.from({ length: WRITES }, (_, index) =>
      client.meta(`mg quiet:${index} v f k\r\n`),
    );
    const replies = await Promise.all(reads);
    replies.forEach((reply, index) => {
      expect(reply.code).toBe("VA");
      expect(reply.flags).toEqual([`f${index}`, `kquiet:${index}`]);
      expect(latin1Text(reply.value as Uint8Array)).toBe(`value ${index}`);
    });
  });

  test("Should keep quiet writes that mn implied were done, across a kill -9", async () => {
    const { server, client } = await start();
    let pipeline = "";
    for (let index = 0; index < WRITES; index++) pipeline += `ms kept:${index} 2 q\r\nok\r\n`;
    pipeline += `ma counter N0 J41 q\r\nma counter q\r\nmd kept:0 q\r\nmn\r\n`;
    await client.send(pipeline);
    // ma N answers for the item it creates, even quietly; the rest is silent.
    expect((await client.metaReply()).line).toBe("HD");
    expect((await client.metaReply()).line).toBe("MN");
    await server.kill();
    const restarted = await start(server.databasePath);
    const reader = restarted.client;
    expect((await reader.meta("mg kept:0 v\r\n")).code).toBe("EN");
    for (let index = 1; index < WRITES; index++) {
      const reply = await reader.meta(`mg kept:${index} v\r\n`);
      expect(latin1Text(reply.value as Uint8Array)).toBe("ok");
    }
    expect(latin1Text((await reader.meta("mg counter v\r\n")).value as Uint8Array)).toBe("42");
  });

  test("Should store under base64 keys, and return them encoded", async () => {
    const { client } = await start();
    const key = Buffer.from([0x00, 0xff, 0x20, 0x0d, 0x0a]).toString("base64");
    expect((await client.meta(`ms ${key} 1 b k\r\nx\r\n`)).flags).toEqual([`k${key}`, "b"]);
    const hit = await client.meta(`mg ${key} b k v s\r\n`);
    expect(hit.flags).toEqual([`k${key}`, "b", "s1"]);
    expect(latin1Text(hit.value as Uint8Array)).toBe("x");
  });

  test("Should interleave meta and classic replies in request order", async () => {
    const { client } = await start();
    const replies = await Promise.all([
      client.call("set mixed 3 0 1\r\n1\r\n"),
      client.meta("ma mixed v\r\n"),
      client.call("incr mixed 10\r\n"),
      client.meta("mg mixed v f c\r\n"),
      client.getMany(["mixed"], "gets"),
      client.meta("md mixed\r\n"),
      client.call("delete mixed\r\n"),
      client.meta("mn\r\n"),
    ]);
    const [stored, incremented, classic, got, gets, deleted, missing, noop] = replies;
    expect(stored).toBe("STORED");
    expect(latin1Text(incremented.value as Uint8Array)).toBe("2");
    expect(classic).toBe("12");
    expect(latin1Text(got.value as Uint8Array)).toBe("12");
    expect(got.flags[0]).toBe("f3");
    expect(got.flags[1]).toBe(`c${gets.get("mixed")?.cas}`);
    expect(deleted.line).toBe("HD");
    expect(missing).toBe("NOT_FOUND");
    expect(noop.line).toBe("MN");
  });

  test("Should report a malformed meta line and go on with the next request", async () => {
    const { client } = await start();
    expect(await client.call("mg key v v\r\n")).toBe("CLIENT_ERROR duplicate flag");
    expect(await client.call("ms key 2 MZ\r\nmn\r\n")).toBe(
      "CLIENT_ERROR invalid mode for ms M token",
    );
    expect((await client.meta("mn\r\n")).line).toBe("MN");
  });
});
