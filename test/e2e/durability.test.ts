/**
 * Durability of the real process: items survive a clean restart; SIGTERM
 * under load exits 0 and keeps every acknowledged write; and SIGKILL at
 * random moments never loses an acknowledged write nor corrupts the file.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { latin1Bytes, latin1Text } from "../support/bytes.ts";
import { Random } from "../support/random.ts";
import { type RunningServer, startServer, temporaryDirectory } from "../support/server.ts";
import { TestClient, type Value } from "../support/test-client.ts";

const SEED = Number(process.env.LITECACHED_TEST_SEED ?? Date.now() % 1_000_000);

/** Any byte but NUL, space, CR and LF may be part of a key (memcached ends a line at NUL). */
function randomKey(random: Random, prefix: string): Uint8Array {
  const length = 1 + random.below(40);
  const key = new Uint8Array(prefix.length + length);
  key.set(latin1Bytes(prefix));
  for (let index = prefix.length; index < key.length; index++) {
    let byte = random.below(256);
    while (byte === 0x00 || byte === 0x20 || byte === 0x0a || byte === 0x0d) {
      byte = random.below(256);
    }
    key[index] = byte;
  }
  return key;
}

function sameBytes(first: Uint8Array, second: Uint8Array): boolean {
  return first.length === second.length && Buffer.compare(first, second) === 0;
}

/** Reads many keys in batches of get lines. */
async function getAll(client: TestClient, keys: string[]): Promise<Map<string, Value>> {
  const found = new Map<string, Value>();
  for (let start = 0; start < keys.length; start += 100) {
    const batch = await client.getMany(keys.slice(start, start + 100));
    for (const [key, item] of batch) found.set(key, item);
  }
  return found;
}

async function getsAll(client: TestClient, keys: string[]): Promise<Map<string, Value>> {
  const found = new Map<string, Value>();
  for (let start = 0; start < keys.length; start += 100) {
    const batch = await client.getMany(keys.slice(start, start + 100), "gets");
    for (const [key, item] of batch) found.set(key, item);
  }
  return found;
}

/** SQLite's own check of the file, opened read-only so nothing is changed or checkpointed. */
function integrityCheck(databasePath: string): string {
  const db = new Database(databasePath, { readonly: true });
  try {
    const rows = db.query("PRAGMA integrity_check").all() as Array<{ integrity_check: string }>;
    return rows.map((row) => row.integrity_check).join("; ");
  } finally {
    db.close();
  }
}

describe("restart persistence", () => {
  test("Should keep every item and its flags across a SIGTERM restart, with cas values never reused", async () => {
    const random = new Random(SEED);
    const databasePath = join(temporaryDirectory(), "database.sqlite");
    let server = await startServer({ databasePath });
    const expected = new Map<string, { flags: number; value: Uint8Array }>();
    let client = await TestClient.connect(server.port);
    const writes: Array<Promise<string>> = [];
    for (let index = 0; index < 3000; index++) {
      const key =
        index % 3 === 0 ? randomKey(random, `bin${index}:`) : latin1Bytes(`text:${index}`);
      // Mostly small values, some of 64 KiB, every byte value possible.
      const length = index % 250 === 0 ? 64 * 1024 : random.below(2048);
      const value = random.bytes(length);
      const flags = random.below(2 ** 32);
      expected.set(latin1Text(key), { flags, value });
      writes.push(client.set(key, value, flags));
    }
    expect(new Set(await Promise.all(writes))).toEqual(new Set(["STORED"]));
    // Some deletes and counters, so the restart sees more than inserts.
    const deleted = [...expected.keys()].filter((_, index) => index % 10 === 1);
    for (const key of deleted) {
      expect(await client.delete(key)).toBe("DELETED");
      expected.delete(key);
    }
    expect(await client.set("counter", "41", 7)).toBe("STORED");
    expect(await client.call("incr counter 1\r\n")).toBe("42");
    expected.set("counter", { flags: 7, value: latin1Bytes("42") });

    const casBefore = new Set<bigint>();
    for (const item of (await getsAll(client, [...expected.keys()])).values()) {
      casBefore.add(item.cas as bigint);
    }
    expect(casBefore.size).toBe(expected.size);
    client.close();
    expect(await server.stop()).toBe(0);

    server = await startServer({ databasePath });
    try {
      client = await TestClient.connect(server.port);
      const found = await getAll(client, [...expected.keys(), ...deleted]);
      expect(found.size).toBe(expected.size);
      let mismatches = 0;
      for (const [key, want] of expected) {
        const item = found.get(key);
        if (item === undefined || item.flags !== want.flags || !sameBytes(item.value, want.value)) {
          mismatches++;
        }
      }
      expect(mismatches).toBe(0);
      for (const key of deleted) expect(found.has(key)).toBe(false);

      // New writes after the restart get cas values never handed out before.
      const keys = [...expected.keys()].slice(0, 300);
      for (const key of keys) expect(await client.set(key, "after restart")).toBe("STORED");
      expect(await client.call("incr counter 1\r\n")).toBe("43");
      const after = await getsAll(client, [...keys, "counter"]);
      const maxBefore = [...casBefore].reduce((max, cas) => (cas > max ? cas : max), 0n);
      for (const item of after.values()) {
        expect(casBefore.has(item.cas as bigint)).toBe(false);
        expect(item.cas as bigint).toBeGreaterThan(maxBefore);
      }
      client.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe("other ways to stop", () => {
  test("Should exit 0 on SIGINT and keep what was written", async () => {
    const databasePath = join(temporaryDirectory(), "database.sqlite");
    let server = await startServer({ databasePath });
    let client = await TestClient.connect(server.port);
    expect(await client.set("sigint:key", "kept", 3)).toBe("STORED");
    client.close();
    server.process.kill("SIGINT");
    expect(await server.process.exited).toBe(0);

    server = await startServer({ databasePath });
    try {
      client = await TestClient.connect(server.port);
      const item = (await client.getMany(["sigint:key"])).get("sigint:key");
      expect(item === undefined ? undefined : latin1Text(item.value)).toBe("kept");
      expect(item?.flags).toBe(3);
      client.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("Should keep acknowledged writes with --sync full after kill -9", async () => {
    const databasePath = join(temporaryDirectory(), "database.sqlite");
    let server = await startServer({ databasePath, extraArgs: ["--sync", "full"] });
    let client = await TestClient.connect(server.port);
    const writes = Array.from({ length: 500 }, (_, index) =>
      client.set(`full:${index}`, `value ${index}`),
    );
    expect(new Set(await Promise.all(writes))).toEqual(new Set(["STORED"]));
    client.close();
    await server.kill();
    expect(integrityCheck(databasePath)).toBe("ok");

    server = await startServer({ databasePath });
    try {
      client = await TestClient.connect(server.port);
      const keys = Array.from({ length: 500 }, (_, index) => `full:${index}`);
      const found = await getAll(client, keys);
      expect(found.size).toBe(500);
      for (const [index, key] of keys.entries()) {
        expect(latin1Text((found.get(key) as Value).value)).toBe(`value ${index}`);
      }
      client.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe("SIGTERM under load", () => {
  test("Should exit 0 within seconds while clients write, keeping every acknowledged write", async () => {
    const databasePath = join(temporaryDirectory(), "database.sqlite");
    let server = await startServer({ databasePath });
    const writers = 4;
    const acknowledged = new Map<string, string>();
    let stop = false;
    const clients = await Promise.all(
      Array.from({ length: writers }, () => TestClient.connect(server.port)),
    );
    const runs = clients.map(async (client, writer) => {
      const inFlight = new Set<Promise<void>>();
      let sequence = 0;
      while (!stop && !client.closed) {
        while (inFlight.size < 8 && !client.closed) {
          const key = `term:w${writer}:${sequence}`;
          const value = `writer ${writer} sequence ${sequence} ${"x".repeat(sequence % 500)}`;
          sequence++;
          const write: Promise<void> = client
            .set(key, value)
            .then((reply) => {
              if (reply === "STORED") acknowledged.set(key, value);
            })
            .catch(() => {})
            .finally(() => inFlight.delete(write));
          inFlight.add(write);
        }
        await Promise.race(inFlight);
      }
      await Promise.allSettled([...inFlight]);
    });

    await Bun.sleep(500);
    const acknowledgedBeforeSignal = acknowledged.size;
    const signalledAt = Date.now();
    const exitCode = await server.stop();
    const stoppedInMs = Date.now() - signalledAt;
    stop = true;
    await Promise.all(runs);
    expect(exitCode).toBe(0);
    expect(stoppedInMs).toBeLessThan(5000);
    expect(acknowledgedBeforeSignal).toBeGreaterThan(0);

    server = await startServer({ databasePath });
    try {
      const client = await TestClient.connect(server.port);
      const found = await getAll(client, [...acknowledged.keys()]);
      const missing = [...acknowledged].filter(([key, value]) => {
        const item = found.get(key);
        return item === undefined || latin1Text(item.value) !== value;
      });
      expect(missing).toEqual([]);
      console.log(
        `durability: SIGTERM after ${acknowledged.size} acknowledged writes, exit ${exitCode} in ${stoppedInMs} ms, all present`,
      );
      client.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

// ---- kill -9 ----

/** What a key holds: a value with its flags, or nothing. */
type KeyState = { value: Uint8Array; flags: number } | null;

interface Operation {
  kind: "set" | "delete";
  state: KeyState;
  acknowledged: boolean;
  /** The reply, if any arrived. */
  reply: string | undefined;
}

const KILL_TRIALS = 6;
const WRITERS = 4;
const KEYS_PER_WRITER = 25;
const WINDOW = 16;

function writerKeys(writer: number): string[] {
  return Array.from({ length: KEYS_PER_WRITER }, (_, index) => `kill:w${writer}:k${index}`);
}

/** The value of a write encodes who wrote it and when, plus bytes that must survive intact. */
function writeValue(random: Random, writer: number, sequence: number): Uint8Array {
  const header = latin1Bytes(`w${writer}s${sequence}|`);
  const length = random.chance(0.02) ? 32 * 1024 : random.below(1500);
  const value = new Uint8Array(header.length + length);
  value.set(header);
  value.set(random.bytes(length), header.length);
  return value;
}

/**
 * One writer: keeps WINDOW requests in flight on its own keys until the
 * connection dies, recording every operation in send order per key (one
 * connection, so also the order the server ran them).
 */
async function runKillWriter(
  client: TestClient,
  writer: number,
  random: Random,
  history: Map<string, Operation[]>,
  sequenceStart: number,
): Promise<number> {
  const keys = writerKeys(writer);
  const inFlight = new Set<Promise<void>>();
  let sequence = sequenceStart;
  while (!client.closed) {
    while (inFlight.size < WINDOW && !client.closed) {
      const key = keys[random.below(keys.length)] as string;
      const isDelete = random.chance(0.2);
      sequence++;
      const operation: Operation = isDelete
        ? { kind: "delete", state: null, acknowledged: false, reply: undefined }
        : {
            kind: "set",
            state: { value: writeValue(random, writer, sequence), flags: sequence >>> 0 },
            acknowledged: false,
            reply: undefined,
          };
      history.get(key)?.push(operation);
      const request =
        operation.state === null
          ? client.delete(key)
          : client.set(key, operation.state.value, operation.state.flags);
      const done: Promise<void> = request
        .then((reply) => {
          operation.reply = reply;
          operation.acknowledged =
            operation.kind === "set"
              ? reply === "STORED"
              : reply === "DELETED" || reply === "NOT_FOUND";
        })
        .catch(() => {})
        .finally(() => inFlight.delete(done));
      inFlight.add(done);
    }
    if (inFlight.size > 0) await Promise.race(inFlight);
  }
  await Promise.allSettled([...inFlight]);
  return sequence;
}

function describeState(state: KeyState | undefined): string {
  if (state === undefined || state === null) return "absent";
  const text = latin1Text(state.value);
  return `${text.slice(0, text.indexOf("|") + 1)}… (${state.value.length} bytes, flags ${state.flags})`;
}

function sameState(first: KeyState, second: KeyState): boolean {
  if (first === null || second === null) return first === second;
  return first.flags === second.flags && sameBytes(first.value, second.value);
}

/**
 * The states a key may be in after a crash: the outcome of its last
 * acknowledged operation or of any later, unacknowledged one (which may or
 * may not have committed). With nothing acknowledged, the state before the
 * trial is possible too.
 */
function allowedStates(before: KeyState, operations: Operation[]): KeyState[] {
  const lastAcknowledged = operations.findLastIndex((operation) => operation.acknowledged);
  const candidates = operations.slice(Math.max(0, lastAcknowledged)).map((op) => op.state);
  return lastAcknowledged === -1 ? [before, ...candidates] : candidates;
}

describe("kill -9", () => {
  test(
    "Should keep every acknowledged write, fresh cas values and an intact file when killed at random moments",
    async () => {
      const random = new Random(SEED + 1);
      const databasePath = join(temporaryDirectory(), "database.sqlite");
      const allKeys = Array.from({ length: WRITERS }, (_, writer) => writerKeys(writer)).flat();
      let known = new Map<string, KeyState>(allKeys.map((key) => [key, null]));
      let history = new Map<string, Operation[]>();
      let knownCas = new Map<string, bigint>();
      let maxCasSeen = 0n;
      const sequences = Array.from({ length: WRITERS }, (_, writer) => writer * 1_000_000_000);
      let acknowledgedWrites = 0;
      let keyStatesChecked = 0;
      let unexpectedReplies = 0;

      /** Restarts on the file and checks every key against what was acknowledged. */
      const verify = async (trial: number): Promise<RunningServer> => {
        const server = await startServer({ databasePath });
        const client = await TestClient.connect(server.port);
        const found = await client.getMany(allKeys, "gets");
        client.close();
        const failures: string[] = [];
        const next = new Map<string, KeyState>();
        const nextCas = new Map<string, bigint>();
        let nextMaxCas = maxCasSeen;
        for (const key of allKeys) {
          const item = found.get(key);
          const actual: KeyState =
            item === undefined ? null : { value: item.value, flags: item.flags };
          const allowed = allowedStates(known.get(key) ?? null, history.get(key) ?? []);
          if (!allowed.some((state) => sameState(state, actual))) {
            failures.push(
              `${key}: found ${describeState(actual)}, allowed ${allowed.map(describeState).join(" | ")}`,
            );
          }
          if (item?.cas !== undefined) {
            // An unchanged item keeps its cas; a changed one has a cas never handed out before.
            const unchanged = item.cas === knownCas.get(key);
            if (unchanged ? !sameState(known.get(key) ?? null, actual) : item.cas <= maxCasSeen) {
              failures.push(`${key}: cas ${item.cas} reused (highest before: ${maxCasSeen})`);
            }
            nextCas.set(key, item.cas);
            if (item.cas > nextMaxCas) nextMaxCas = item.cas;
          }
          next.set(key, actual);
          keyStatesChecked++;
        }
        if (failures.length > 0) {
          await server.kill();
          throw new Error(
            `after kill -9 trial ${trial} (seed ${SEED}): ${failures.length} keys wrong:\n${failures.slice(0, 10).join("\n")}`,
          );
        }
        known = next;
        knownCas = nextCas;
        maxCasSeen = nextMaxCas;
        return server;
      };

      let server = await startServer({ databasePath });
      for (let trial = 1; trial <= KILL_TRIALS; trial++) {
        history = new Map(allKeys.map((key) => [key, []]));
        const clients = await Promise.all(
          Array.from({ length: WRITERS }, () => TestClient.connect(server.port)),
        );
        const runs = clients.map((client, writer) =>
          runKillWriter(client, writer, random, history, sequences[writer] as number),
        );
        await Bun.sleep(150 + random.below(750));
        await server.kill();
        const finalSequences = await Promise.all(runs);
        finalSequences.forEach((sequence, writer) => {
          sequences[writer] = sequence;
        });
        for (const operations of history.values()) {
          for (const operation of operations) {
            if (operation.acknowledged) acknowledgedWrites++;
            else if (operation.reply !== undefined) unexpectedReplies++;
          }
        }
        expect(integrityCheck(databasePath)).toBe("ok");
        server = await verify(trial);
      }
      expect(await server.stop()).toBe(0);
      expect(unexpectedReplies).toBe(0);
      expect(acknowledgedWrites).toBeGreaterThan(KILL_TRIALS * 100);
      console.log(
        `durability: ${KILL_TRIALS} kill -9 trials, ${acknowledgedWrites} acknowledged writes, ${keyStatesChecked} key states checked (seed ${SEED})`,
      );
    },
    { timeout: 90_000 },
  );
});
