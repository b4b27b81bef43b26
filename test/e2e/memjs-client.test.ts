/**
 * memjs, the most used Node memcached client, which speaks only the binary
 * protocol, against the real litecached process: what a Node application
 * would do, through the library's own framing and parsing of replies.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import memjs from "memjs";
import { BinaryConversation } from "../support/binary-conversation.ts";
import { type RunningServer, startServer } from "../support/server.ts";

let server: RunningServer;
let client: memjs.Client;

/** The stored item as the text protocol sees it: what memjs really wrote. */
async function rawGet(key: string): Promise<string> {
  const text = await BinaryConversation.open(server.port);
  try {
    return await text.exchangeText(`get ${key}\r\n`, "END\r\n");
  } finally {
    text.close();
  }
}

const text = (value: Buffer | null) => value?.toString("latin1") ?? null;

beforeAll(async () => {
  server = await startServer();
  client = memjs.Client.create(`127.0.0.1:${server.port}`, {
    retries: 0,
    timeout: 5,
    logger: { log: () => {} },
  });
});

afterAll(async () => {
  client?.close();
  expect(await server?.stop()).toBe(0);
});

describe("memjs", () => {
  test("Should set and get a string", async () => {
    expect(await client.set("memjs:string", "hello world", {})).toBe(true);
    const { value, flags } = await client.get("memjs:string");
    expect(text(value)).toBe("hello world");
    expect(flags?.length).toBe(4);
    expect(await rawGet("memjs:string")).toBe("VALUE memjs:string 0 11\r\nhello world\r\nEND\r\n");
  });

  test("Should keep a binary value byte for byte", async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    await client.set("memjs:bytes", bytes, {});
    expect(Buffer.compare((await client.get("memjs:bytes")).value as Buffer, bytes)).toBe(0);
  });

  test("Should answer null for a missing key", async () => {
    expect((await client.get("memjs:missing")).value).toBeNull();
  });

  test("Should add only a missing key and replace only an existing one", async () => {
    expect(await client.add("memjs:add", "first", {})).toBe(true);
    expect(await client.add("memjs:add", "second", {})).toBe(false);
    expect(await client.replace("memjs:absent", "x", {})).toBe(false);
    expect(await client.replace("memjs:add", "third", {})).toBe(true);
    expect(text((await client.get("memjs:add")).value)).toBe("third");
  });

  test("Should delete a key, then report it gone", async () => {
    await client.set("memjs:delete", "v", {});
    expect(await client.delete("memjs:delete")).toBe(true);
    expect(await client.delete("memjs:delete")).toBe(false);
    expect((await client.get("memjs:delete")).value).toBeNull();
  });

  test("Should increment from an initial value, then decrement", async () => {
    expect(await client.increment("memjs:counter", 5, { initial: 10 })).toEqual({
      success: true,
      value: 10,
    });
    expect(await client.increment("memjs:counter", 5, {})).toEqual({ success: true, value: 15 });
    expect(await client.decrement("memjs:counter", 20, {})).toEqual({ success: true, value: 0 });
    expect(await rawGet("memjs:counter")).toBe("VALUE memjs:counter 0 2\r\n0 \r\nEND\r\n");
  });

  // memjs 1.3.2's prepend sends the Append opcode (0x0e), so only append is
  // checked through it; test/e2e/binary-differential-cases.ts covers Prepend.
  test("Should append to an existing key only", async () => {
    await client.set("memjs:concat", "middle", {});
    expect(await client.append("memjs:concat", ">")).toBe(true);
    expect(text((await client.get("memjs:concat")).value)).toBe("middle>");
    // memcached answers Not stored (0x05) for a missing key, which memjs reports as an error.
    await expect(client.append("memjs:nothing", "x")).rejects.toThrow("Item not stored");
  });

  test("Should touch an existing key", async () => {
    await client.set("memjs:touch", "v", {});
    expect(await client.touch("memjs:touch", 100)).toBe(true);
    expect(await client.touch("memjs:untouched", 100)).toBe(false);
  });

  test("Should answer many pipelined gets on one connection, each to its caller", async () => {
    const keys = Array.from({ length: 50 }, (_, index) => `memjs:multi:${index}`);
    await Promise.all(keys.map((key, index) => client.set(key, `value ${index}`, {})));
    const values = await Promise.all(keys.map((key) => client.get(key)));
    expect(values.map(({ value }) => text(value))).toEqual(
      keys.map((_, index) => `value ${index}`),
    );
  });

  test("Should report stats with the protocol version", async () => {
    const stats = await new Promise<Record<string, string>>((resolve, reject) => {
      client.stats((error, _server, values) => {
        if (error) reject(error);
        else resolve(values as Record<string, string>);
      });
    });
    expect(stats.version).toBe("1.6.18");
    expect(Number(stats.cmd_get)).toBeGreaterThan(0);
  });

  test("Should flush every key", async () => {
    await client.set("memjs:flushed", "v", {});
    await client.flush();
    expect((await client.get("memjs:flushed")).value).toBeNull();
  });
});
