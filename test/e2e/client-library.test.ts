/**
 * The npm `memcached` client against the real litecached process: what a
 * Node application would do, through the library's own parsing of replies.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Memcached from "memcached";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

let server: RunningServer;
let client: Memcached;

/** The library is callback-based; this turns one call into a promise. */
function call<T>(operation: (callback: (error: unknown, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    operation((error, result) => {
      if (error) reject(error instanceof Error ? error : new Error(String(error)));
      else resolve(result);
    });
  });
}

const get = (key: string) => call<unknown>((done) => client.get(key, done));
const set = (key: string, value: unknown) =>
  call<boolean>((done) => client.set(key, value, 0, done));

/** The library passes touch's result too; its type definitions leave it out. */
type TouchCallback = (error: unknown) => void;
const touch = (key: string) =>
  call<boolean>((done) => client.touch(key, 100, done as TouchCallback));

/** The raw reply to one command, to check what the library actually stored. */
async function rawReply(command: string): Promise<string> {
  const raw = await TestClient.connect(server.port);
  try {
    raw.send(command);
    return await raw.readUntil("END\r\n");
  } finally {
    raw.close();
  }
}

beforeAll(async () => {
  server = await startServer();
  client = new Memcached(`127.0.0.1:${server.port}`, { retries: 0, timeout: 5000, poolSize: 10 });
});

afterAll(async () => {
  client?.end();
  expect(await server?.stop()).toBe(0);
});

describe("the npm memcached client", () => {
  test("Should set and get a string", async () => {
    expect(await set("lib:string", "hello world")).toBe(true);
    expect(await get("lib:string")).toBe("hello world");
    expect(await rawReply("get lib:string\r\n")).toBe(
      "VALUE lib:string 0 11\r\nhello world\r\nEND\r\n",
    );
  });

  test("Should return undefined for a missing key", async () => {
    expect(await get("lib:missing")).toBeUndefined();
  });

  test("Should round-trip numbers and JSON through the library's flags", async () => {
    await set("lib:number", 42);
    await set("lib:json", { a: [1, 2], b: "x" });
    expect(await get("lib:number")).toBe(42);
    expect(await get("lib:json")).toEqual({ a: [1, 2], b: "x" });
    // The library marks numbers with flag 8 and JSON with flag 2.
    const json = JSON.stringify({ a: [1, 2], b: "x" });
    expect(await rawReply("get lib:number lib:json\r\n")).toBe(
      `VALUE lib:number 8 2\r\n42\r\nVALUE lib:json 2 ${json.length}\r\n${json}\r\nEND\r\n`,
    );
  });

  test("Should round-trip binary-ish Buffer values", async () => {
    const values = [
      Buffer.from([0, 1, 2, 0xfe, 0xff, 0x80, 0x7f]),
      Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)),
      Buffer.from("line one\r\nline two\r\n\0end", "latin1"),
    ];
    for (const [index, value] of values.entries()) {
      await set(`lib:buffer${index}`, value);
      const back = await get(`lib:buffer${index}`);
      expect(Buffer.isBuffer(back)).toBe(true);
      expect(Buffer.compare(back as Buffer, value)).toBe(0);
    }
    // Flag 4 is the library's "binary" marker; the flags survive the trip.
    expect(await rawReply("get lib:buffer0\r\n")).toStartWith("VALUE lib:buffer0 4 ");
  });

  test("Should return a cas with gets and honour it in cas", async () => {
    await set("lib:cas", "first");
    const first = await call<{ [key: string]: unknown; cas: string }>((done) =>
      client.gets("lib:cas", done),
    );
    expect(first["lib:cas"]).toBe("first");
    expect(first.cas).toMatch(/^\d+$/);
    expect(await call<boolean>((done) => client.cas("lib:cas", "second", first.cas, 0, done))).toBe(
      true,
    );
    expect(await get("lib:cas")).toBe("second");
    // The old cas is stale now: the library reports false (EXISTS).
    expect(await call<boolean>((done) => client.cas("lib:cas", "third", first.cas, 0, done))).toBe(
      false,
    );
    expect(await get("lib:cas")).toBe("second");
    const second = await call<{ cas: string }>((done) => client.gets("lib:cas", done));
    expect(second.cas).not.toBe(first.cas);
  });

  test("Should add only missing keys and replace only existing ones", async () => {
    expect(await call<boolean>((done) => client.add("lib:add", "one", 0, done))).toBe(true);
    await expect(call<boolean>((done) => client.add("lib:add", "two", 0, done))).rejects.toThrow(
      /not stored/i,
    );
    expect(await get("lib:add")).toBe("one");
    await expect(
      call<boolean>((done) => client.replace("lib:replace", "x", 0, done)),
    ).rejects.toThrow(/not stored/i);
    expect(await get("lib:replace")).toBeUndefined();
    expect(await call<boolean>((done) => client.replace("lib:add", "three", 0, done))).toBe(true);
    expect(await get("lib:add")).toBe("three");
  });

  test("Should append and prepend", async () => {
    await set("lib:concat", "middle");
    expect(await call<boolean>((done) => client.append("lib:concat", "-end", done))).toBe(true);
    expect(await call<boolean>((done) => client.prepend("lib:concat", "start-", done))).toBe(true);
    expect(await get("lib:concat")).toBe("start-middle-end");
  });

  test("Should increment and decrement counters", async () => {
    await set("lib:counter", "10");
    expect(await call<number | boolean>((done) => client.incr("lib:counter", 5, done))).toBe(15);
    expect(await call<number | boolean>((done) => client.decr("lib:counter", 20, done))).toBe(0);
    expect(
      await call<number | boolean>((done) => client.incr("lib:missing-counter", 1, done)),
    ).toBe(false);
    // decr to a shorter number pads with spaces, as memcached does.
    await set("lib:counter", "100");
    expect(await call<number | boolean>((done) => client.decr("lib:counter", 1, done))).toBe(99);
    expect(await rawReply("get lib:counter\r\n")).toBe("VALUE lib:counter 0 3\r\n99 \r\nEND\r\n");
  });

  test("Should delete keys and report missing ones", async () => {
    await set("lib:delete", "v");
    expect(await call<boolean>((done) => client.del("lib:delete", done))).toBe(true);
    expect(await get("lib:delete")).toBeUndefined();
    expect(await call<boolean>((done) => client.del("lib:delete", done))).toBe(false);
  });

  test("Should touch existing keys only", async () => {
    await set("lib:touch", "v");
    expect(await touch("lib:touch")).toBe(true);
    expect(await touch("lib:touch-missing")).toBe(false);
    expect(await get("lib:touch")).toBe("v");
  });

  test("Should fetch many keys at once with getMulti", async () => {
    const keys = Array.from({ length: 50 }, (_, index) => `lib:multi${index}`);
    for (const [index, key] of keys.entries()) if (index % 2 === 0) await set(key, `v${index}`);
    const result = await call<Record<string, unknown>>((done) => client.getMulti(keys, done));
    const expected = Object.fromEntries(
      keys.filter((_, index) => index % 2 === 0).map((key) => [key, `v${key.slice(9)}`]),
    );
    expect(result).toEqual(expected);
  });

  test("Should run a thousand concurrent operations without losing or mixing any", async () => {
    const count = 1000;
    const writes = Array.from({ length: count }, (_, index) =>
      set(`lib:concurrent${index}`, `value-${index}-${"x".repeat(index % 97)}`),
    );
    expect((await Promise.all(writes)).every((stored) => stored === true)).toBe(true);
    const reads = Array.from({ length: count }, (_, index) => get(`lib:concurrent${index}`));
    const values = await Promise.all(reads);
    values.forEach((value, index) => {
      expect(value).toBe(`value-${index}-${"x".repeat(index % 97)}`);
    });
    await set("lib:shared-counter", "0");
    const increments = Array.from({ length: 200 }, () =>
      call<number | boolean>((done) => client.incr("lib:shared-counter", 1, done)),
    );
    const results = await Promise.all(increments);
    // Every increment saw its own new value: 1 to 200, each exactly once.
    expect([...results].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 200 }, (_, index) => index + 1),
    );
    expect(await get("lib:shared-counter")).toBe("200");
  });

  test("Should flush every item", async () => {
    await set("lib:flush", "v");
    const results = await call<boolean[]>((done) => client.flush(done));
    expect(results).toEqual([true]);
    expect(await get("lib:flush")).toBeUndefined();
    expect(await get("lib:string")).toBeUndefined();
  });
});
