/**
 * `litecached import` against Debian's real memcached: 100,000 items of
 * mixed sizes (binary values up to 200 KB, 250-byte keys, keys with bytes
 * above 0x7f, every flag bit pattern) copied through the real command line,
 * then read back from litecached and memcached and compared byte for byte.
 * Also the errors a user meets: not a memcached, the LRU crawler disabled.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { TCPSocketListener } from "bun";
import { concatBytes } from "../support/bytes.ts";
import { type CommandResult, runCommand } from "../support/command.ts";
import { type RunningMemcached, startMemcached } from "../support/memcached.ts";
import {
  REPOSITORY_ROOT,
  type RunningServer,
  startServer,
  temporaryDirectory,
} from "../support/server.ts";
import { TestClient, type Value } from "../support/test-client.ts";

/** Real processes on a busy machine: more than bun's 5 s default, hooks included. */
setDefaultTimeout(60_000);

const ITEM_COUNT = 100_000;
const MAX_KEY_LENGTH = 250;
/** Items that get an expiration time on memcached (far enough not to pass during the test). */
const EXPIRING_EVERY = 7;
const EXPIRY_SECONDS = 3600;
const KEYS_PER_GET = 100;
const WRITES_IN_FLIGHT = 1000;
const SLOW_TEST_MS = 300_000;

/** A deterministic byte stream (xorshift32), so a failure can be replayed. */
function bytesFor(index: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = (index * 2654435761 + 1) >>> 0 || 1;
  for (let offset = 0; offset < length; offset++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[offset] = state & 0xff;
  }
  return bytes;
}

/** Mostly small values, every 50th of 10 KB, every 1000th of 200 KB, some empty. */
function valueLength(index: number): number {
  if (index % 1000 === 0) return 200_000 + (index % 997);
  if (index % 50 === 0) return 10_000 + (index % 31);
  return index % 500;
}

/** Keys as Latin-1 strings (one character per byte): plain, 250 bytes long, or with high bytes. */
function keyFor(index: number): string {
  const base = `import:${index}:`;
  if (index % 10 === 0) return base.padEnd(MAX_KEY_LENGTH, "k");
  if (index % 10 === 1) return `${base}caf\u00e9\u00ff%20+&=`;
  return base;
}

const flagsFor = (index: number): number => (index * 2654435761) >>> 0;

let directory: string;
let memcached: RunningMemcached;
let keys: string[];

beforeAll(async () => {
  directory = temporaryDirectory("litecached-import-");
  // Room for every item (64 MB by default would evict some) and 200 KB values.
  memcached = await startMemcached({ extraArgs: ["-m", "1024"] });
  keys = Array.from({ length: ITEM_COUNT }, (_, index) => keyFor(index));
  const client = await TestClient.connect(memcached.port);
  try {
    for (let start = 0; start < ITEM_COUNT; start += WRITES_IN_FLIGHT) {
      const replies = await Promise.all(
        keys.slice(start, start + WRITES_IN_FLIGHT).map((key, offset) => {
          const index = start + offset;
          const value = bytesFor(index, valueLength(index));
          const expiry = index % EXPIRING_EVERY === 0 ? EXPIRY_SECONDS : 0;
          return client.call(
            concatBytes(
              `set ${key} ${flagsFor(index)} ${expiry} ${value.length}\r\n`,
              value,
              "\r\n",
            ),
          );
        }),
      );
      expect(replies.every((reply) => reply === "STORED")).toBe(true);
    }
  } finally {
    client.close();
  }
}, SLOW_TEST_MS);

afterAll(async () => {
  await memcached?.stop();
  rmSync(directory, { recursive: true, force: true });
});

function runImport(args: string[]): Promise<CommandResult> {
  return runCommand([process.execPath, join(REPOSITORY_ROOT, "main.ts"), "import", ...args], {
    cwd: REPOSITORY_ROOT,
  });
}

/** Every key's item as the server at `port` returns it, read with pipelined multigets. */
async function readItems(port: number): Promise<Map<string, Value>> {
  const client = await TestClient.connect(port);
  try {
    const found = new Map<string, Value>();
    for (let start = 0; start < keys.length; start += KEYS_PER_GET * 10) {
      const gets: Promise<Map<string, Value>>[] = [];
      for (
        let offset = start;
        offset < Math.min(start + KEYS_PER_GET * 10, keys.length);
        offset += KEYS_PER_GET
      ) {
        gets.push(client.getMany(keys.slice(offset, offset + KEYS_PER_GET)));
      }
      for (const items of await Promise.all(gets))
        for (const [key, item] of items) found.set(key, item);
    }
    return found;
  } finally {
    client.close();
  }
}

describe("litecached import from a running memcached", () => {
  test(
    "Should copy 100,000 items that litecached then serves byte for byte as memcached does",
    async () => {
      const databasePath = join(directory, "imported.sqlite");
      const result = await runImport([databasePath, "--from", `127.0.0.1:${memcached.port}`]);
      console.log(result.stdout.trim());
      expect(result.exitCode).toBe(0);
      // Not a terminal: a progress line every 50,000 items.
      expect(result.stderr).toBe(
        "litecached import: 50000 items copied, 0 vanished\nlitecached import: 100000 items copied, 0 vanished\n",
      );
      const expiring = Math.ceil(ITEM_COUNT / EXPIRING_EVERY);
      expect(result.stdout).toContain(`copied ${ITEM_COUNT} items`);
      expect(result.stdout).toContain(`which held ${ITEM_COUNT} when the copy began`);
      expect(result.stdout).toContain("skipped 0 that vanished");
      expect(result.stdout).toContain(`${expiring} copied items had an expiration time`);

      const database = new Database(databasePath, { readonly: true });
      const { count } = database.query("SELECT count(*) AS count FROM items").get() as {
        count: number;
      };
      database.close();
      expect(count).toBe(ITEM_COUNT);

      const server: RunningServer = await startServer({ databasePath });
      try {
        const fromMemcached = await readItems(memcached.port);
        const fromLitecached = await readItems(server.port);
        expect(fromMemcached.size).toBe(ITEM_COUNT);
        let different = 0;
        for (const [key, expected] of fromMemcached) {
          const actual = fromLitecached.get(key);
          if (
            actual === undefined ||
            actual.flags !== expected.flags ||
            !Buffer.from(actual.value).equals(Buffer.from(expected.value))
          ) {
            different++;
          }
        }
        expect(different).toBe(0);
        expect(fromLitecached.size).toBe(ITEM_COUNT);
      } finally {
        expect(await server.stop()).toBe(0);
      }
    },
    SLOW_TEST_MS,
  );
});

/** A TCP server on a free port that answers every line with `answer(line)`. */
function fakeServer(answer: (line: string) => string): TCPSocketListener<undefined> {
  return Bun.listen<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, chunk) {
        for (const line of Buffer.from(chunk).toString("latin1").split("\r\n")) {
          if (line !== "") socket.write(answer(line));
        }
      },
    },
  });
}

describe("litecached import errors", () => {
  test("Should refuse a source that is not a memcached", async () => {
    const server = fakeServer(() => "-ERR unknown command\r\n");
    try {
      const result = await runImport([
        join(directory, "not-memcached.sqlite"),
        "--from",
        `127.0.0.1:${server.port}`,
      ]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toBe(
        `litecached import: 127.0.0.1:${server.port} is not a memcached: it answered "version" with "-ERR unknown command"\n`,
      );
    } finally {
      server.stop(true);
    }
  });

  test("Should say so when memcached refuses lru_crawler", async () => {
    const noCrawler = await startMemcached({ extraArgs: ["-o", "no_lru_crawler"] });
    try {
      const result = await runImport([
        join(directory, "no-crawler.sqlite"),
        "--from",
        `127.0.0.1:${noCrawler.port}`,
      ]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(
        `127.0.0.1:${noCrawler.port} refused "lru_crawler metadump": CLIENT_ERROR lru crawler disabled`,
      );
    } finally {
      await noCrawler.stop();
    }
  });

  test("Should count items listed by the crawler that are gone when fetched", async () => {
    // Lists three keys but still holds only one of them, as after an expiry or delete.
    const server = fakeServer((line) => {
      if (line === "version") return "VERSION 1.6.18\r\n";
      if (line === "stats") return "STAT pid 1\r\nSTAT curr_items 3\r\nEND\r\n";
      // An older memcached: no hash scope.
      if (line === "lru_crawler metadump hash") return "BADCLASS invalid class id\r\n";
      if (line === "lru_crawler metadump all") {
        return "key=a exp=-1 la=1 cas=1 fetch=no cls=1 size=1\nkey=b exp=-1 la=1 cas=2 fetch=no cls=1 size=1\nkey=c exp=-1 la=1 cas=3 fetch=no cls=1 size=1\nEND\r\n";
      }
      if (line === "get a b c") return "VALUE b 3 2\r\nhi\r\nEND\r\n";
      return "ERROR\r\n";
    });
    try {
      const result = await runImport([
        join(directory, "vanished.sqlite"),
        "--from",
        `127.0.0.1:${server.port}`,
      ]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain("copied 1 items (3 bytes)");
      expect(result.stdout).toContain("which held 3 when the copy began");
      expect(result.stdout).toContain("skipped 2 that vanished or expired meanwhile");
    } finally {
      server.stop(true);
    }
  });

  test("Should refuse a database that a running litecached holds", async () => {
    const server = await startServer({ databasePath: join(directory, "in-use.sqlite") });
    try {
      const result = await runImport([server.databasePath, "--from", "127.0.0.1:1"]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toStartWith(`litecached import: ${server.databasePath} is in use`);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("Should refuse a missing --from with the usage", async () => {
    const result = await runImport([join(directory, "usage.sqlite")]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toStartWith("litecached import: missing --from <host:port>\n");
  });
});
