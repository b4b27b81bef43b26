/**
 * Hostile bytes: thousands of random and mutated requests over several
 * connections, sent in pieces split anywhere. The server must not crash or
 * hang, must only ever answer with protocol replies (never a stack trace),
 * must keep serving a well-behaved connection meanwhile, and must leave the
 * keys stored before the storm intact. The seed is printed; HARDENING_SEED
 * replays a run.
 */
import { afterAll, expect, test } from "bun:test";
import { Magic } from "../../src/protocol/binary/constants.ts";
import { parseResponses } from "../support/binary-frames.ts";
import { concatBytes, latin1Text } from "../support/bytes.ts";
import { Random } from "../support/random.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";
import { type Fuzzing, fuzzConnection } from "./support/fuzz-connection.ts";
import { startObserver } from "./support/observer-process.ts";
import { residentKiB, settledResidentKiB, watchPeakKiB } from "./support/system.ts";

const FUZZ_CONNECTIONS = 8;
const MESSAGES = 24_000;
const GUARD_KEYS = 64;
/** Garbage piles up during the storm (the collector is lazy) but must not run away... */
const PEAK_GROWTH_LIMIT_KIB = 256 * 1024;
/**
 * ...and must be gone soon after: connections leave nothing behind. What
 * stays is SQLite's page cache (up to 32 MiB) and the heap's own growth.
 */
const SETTLED_GROWTH_LIMIT_KIB = 96 * 1024;

const encoder = new TextEncoder();

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

const COMMANDS = [
  "set",
  "add",
  "replace",
  "append",
  "prepend",
  "cas",
  "get",
  "gets",
  "gat",
  "gats",
  "touch",
  "delete",
  "incr",
  "decr",
  "verbosity",
  "version",
  "stats",
  "quit",
  "mg",
  "ms",
  "md",
  "ma",
  "mn",
  "me",
  "GET",
  "SET",
] as const;

const NUMBERS = [
  "0",
  "1",
  "-1",
  "10",
  "255",
  "4294967295",
  "4294967296",
  "18446744073709551615",
  "18446744073709551616",
  "99999999999999999999999",
  "-9223372036854775808",
  "1048576",
  "32769",
  "1048577",
  "2147483648",
  "+5",
  "5x",
  "",
  "0x10",
  "1e3",
  " 7",
] as const;

/** Fuzz keys never start with "guard", so no fuzz request can touch the guarded keys. */
function fuzzKey(random: Random): Uint8Array {
  const roll = random.below(10);
  if (roll < 5) return encoder.encode(`f${random.below(20)}`);
  const length = roll < 8 ? random.between(1, 250) : random.between(251, 400);
  const key = random.bytes(length);
  key[0] = 0x66; // "f"
  return key;
}

/** Strings as UTF-8, unlike concatBytes: the "\xff" separator goes out as C3 BF. */
function join(...parts: Array<Uint8Array | string>): Uint8Array {
  return concatBytes(
    ...parts.map((part) => (typeof part === "string" ? encoder.encode(part) : part)),
  );
}

function wellFormed(random: Random, largestValue = 40_000): Uint8Array {
  const key = fuzzKey(random);
  const noreply = random.chance(0.2) ? " noreply" : "";
  switch (random.below(9)) {
    case 0:
    case 1: {
      const value = random.bytes(random.below(3) === 0 ? random.between(0, largestValue) : 40);
      const command = random.pick(["set", "add", "replace", "append", "prepend"]);
      return join(
        `${command} `,
        key,
        ` ${random.below(65536)} 0 ${value.length}${noreply}\r\n`,
        value,
        "\r\n",
      );
    }
    case 2: {
      const value = random.bytes(random.between(0, 100));
      return join(
        "cas ",
        key,
        ` 0 0 ${value.length} ${random.below(1000)}${noreply}\r\n`,
        value,
        "\r\n",
      );
    }
    case 3: {
      const keys = Array.from({ length: random.between(1, 30) }, () => fuzzKey(random));
      const parts: Array<Uint8Array | string> = [random.pick(["get", "gets"])];
      for (const each of keys) parts.push(" ", each);
      return join(...parts, "\r\n");
    }
    case 4:
      return join(
        `${random.pick(["incr", "decr"])} `,
        key,
        ` ${random.pick(NUMBERS)}${noreply}\r\n`,
      );
    case 5:
      return join("delete ", key, `${noreply}\r\n`);
    case 6:
      return join(`${random.pick(["touch", "gat", "gats"])} `, key, " 0\r\n");
    case 7:
      return encoder.encode(
        random.pick([
          "version\r\n",
          "stats\r\n",
          "stats settings\r\n",
          "verbosity 1\r\n",
          "stats detail dump\r\n",
        ]),
      );
    default:
      return join("set ", key, " 0 0 1\r\n1\r\nincr ", key, ` ${random.pick(NUMBERS)}\r\n`);
  }
}

/** A command line of random tokens: numbers, keys, junk bytes, odd separators. */
function malformedLine(random: Random): Uint8Array {
  const parts: Array<Uint8Array | string> = [random.pick(COMMANDS)];
  const count = random.below(8);
  for (let index = 0; index < count; index++) {
    parts.push(random.pick([" ", "  ", "\t", " \0", "\xff"]));
    const roll = random.below(4);
    if (roll === 0) parts.push(random.pick(NUMBERS));
    else if (roll === 1) parts.push(fuzzKey(random));
    else if (roll === 2) parts.push(random.bytes(random.between(1, 20)));
    else parts.push("noreply");
  }
  parts.push(random.pick(["\r\n", "\n", "\r\n", "\r\r\n", "\n\r\n"]));
  return join(...parts);
}

/** Storage lines whose data block is missing, short, long, or not followed by CRLF. */
function brokenDataBlock(random: Random): Uint8Array {
  const key = fuzzKey(random);
  const declared = random.pick([0, 1, 5, 100, 1000, 65_536]);
  const actual = Math.max(0, declared + random.between(-5, 5));
  const ending = random.pick(["\r\n", "XY", "\n", "", "\r"]);
  return join(`set `, key, ` 0 0 ${declared}\r\n`, random.bytes(actual), ending);
}

/** Lengths that do not parse, or are negative: rejected at once. */
function badLength(random: Random): Uint8Array {
  const length = random.pick([
    "-1",
    "-2147483648",
    "18446744073709551616",
    "99999999999999999999999",
    "1e6",
    "0x10",
    "",
  ]);
  return storageWithLength(random, length);
}

/** A storage command with this length field, followed by up to 200 random bytes. */
function storageWithLength(random: Random, length: string): Uint8Array {
  const command = random.pick(["set", "append", "cas"]);
  return join(
    `${command} `,
    fuzzKey(random),
    ` 0 0 ${length} 1\r\n`,
    random.bytes(random.below(200)),
  );
}

/**
 * Requests after which the connection is useless, so each ends a session:
 * a length over the item size (the server skips that many bytes), an
 * overlong line or an HTTP request (the server closes), binary junk.
 */
function terminal(random: Random): Uint8Array {
  switch (random.below(5)) {
    case 0: {
      const length = random.pick([
        "1048577",
        "2147483647",
        "4294967295",
        "4294967296",
        "18446744073709551615",
      ]);
      return storageWithLength(random, length);
    }
    case 1:
      // Over 2048 bytes without a newline: the server closes the connection.
      return random.bytes(random.between(2049, 8000)).map((byte) => (byte === 0x0a ? 0x20 : byte));
    case 2:
      return encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    case 3:
      // A binary-protocol request header and garbage after it.
      return join(new Uint8Array([0x80, 0x01, 0x00, 0x03, 0, 0, 0, 0]), random.bytes(40));
    default:
      return encoder.encode("quit\r\n");
  }
}

function special(random: Random): Uint8Array {
  switch (random.below(3)) {
    case 0: {
      // A long multiget line (allowed up to megabytes).
      const keys = Array.from({ length: random.between(200, 1000) }, () => `f${random.below(50)}`);
      return encoder.encode(`get ${keys.join(" ")}\r\n`);
    }
    case 1:
      return random.bytes(random.between(1, 300));
    default:
      return encoder.encode(`${"\0".repeat(random.between(1, 50))}\r\n${"\xff".repeat(10)}\n`);
  }
}

/** Flips, inserts, deletes or duplicates a few bytes of a well-formed request. */
function mutated(random: Random): Uint8Array {
  const bytes = Array.from(wellFormed(random, 300));
  const edits = random.between(1, 4);
  for (let edit = 0; edit < edits && bytes.length > 0; edit++) {
    const at = random.below(bytes.length);
    switch (random.below(5)) {
      case 0:
        bytes[at] = random.below(256);
        break;
      case 1:
        bytes.splice(at, 0, random.pick([0x00, 0xff, 0x0d, 0x0a, 0x20]));
        break;
      case 2:
        bytes.splice(at, random.between(1, 8));
        break;
      case 3:
        bytes.splice(at, 0, ...bytes.slice(at, at + random.between(1, 30)));
        break;
      default:
        bytes.length = at;
    }
  }
  return Uint8Array.from(bytes);
}

function fuzzMessage(random: Random): Uint8Array {
  const roll = random.below(100);
  if (roll < 25) return wellFormed(random);
  if (roll < 50) return mutated(random);
  if (roll < 70) return malformedLine(random);
  if (roll < 82) return brokenDataBlock(random);
  if (roll < 90) return badLength(random);
  return special(random);
}

const REPLY_LINE =
  /^(END|STORED|NOT_STORED|EXISTS|NOT_FOUND|DELETED|TOUCHED|OK|RESET|ERROR|VERSION \S+|\d+|STAT \S+ \S*|CLIENT_ERROR [ -~]+|SERVER_ERROR object too large for cache)$/;
/** Meta status lines: a code, then return flags (which may echo any key bytes). */
const META_REPLY_LINE =
  /^(?:(?:HD|EN|NF|NS|EX|MN)(?: .*)?|ME [^ ]+ exp=-1 la=\d+ cas=\d+ fetch=(?:yes|no) cls=\d+ size=\d+)$/;
/** A meta value line: its data block follows. */
const META_VALUE_LINE = /^VA (\d+)(?: .*)?$/;

/** Reads a fuzz connection's replies and checks that every one is a protocol reply. */
class ReplyChecker {
  lines = 0;
  bad: string[] = [];
  private pending = new Uint8Array(0);
  private skip = 0;

  /** Random bytes may start with 0x80, which makes the connection binary: its replies are frames. */
  private binary = false;

  /** A new connection: a reply cut short by the previous one's close is forgotten. */
  restart(firstByte: number | undefined): void {
    this.pending = new Uint8Array(0);
    this.skip = 0;
    this.binary = firstByte === Magic.REQUEST;
  }

  feed(chunk: Uint8Array): void {
    let bytes = chunk;
    if (this.pending.length > 0) bytes = join(this.pending, chunk);
    if (this.binary) {
      this.feedFrames(bytes);
      return;
    }
    let offset = 0;
    for (;;) {
      if (this.skip > 0) {
        const skipped = Math.min(this.skip, bytes.length - offset);
        this.skip -= skipped;
        offset += skipped;
        if (this.skip > 0) break;
      }
      const newline = bytes.indexOf(0x0a, offset);
      if (newline === -1) break;
      const line = latin1Text(bytes.subarray(offset, newline)).replace(/\r$/, "");
      offset = newline + 1;
      this.lines++;
      const value = /^VALUE [^ ]+ \d+ (\d+)( \d+)?$/.exec(line) ?? META_VALUE_LINE.exec(line);
      if (value !== null) this.skip = Number(value[1]) + 2;
      else if (!REPLY_LINE.test(line) && !META_REPLY_LINE.test(line) && this.bad.length < 5) {
        this.bad.push(line.slice(0, 200));
      }
    }
    this.pending = bytes.slice(offset);
  }

  /** Binary replies: whole response frames only (test/hardening/binary-fuzz.test.ts fuzzes binary). */
  private feedFrames(bytes: Uint8Array): void {
    const { frames, rest } = parseResponses(bytes);
    this.lines += frames.length;
    for (const frame of frames) {
      if (frame.magic !== Magic.RESPONSE && this.bad.length < 5) {
        this.bad.push(`a frame with magic ${frame.magic}`);
      }
    }
    if (rest.length > 0 && rest[0] !== Magic.RESPONSE && this.bad.length < 5) {
      this.bad.push(`binary reply bytes that are not a frame: ${latin1Text(rest.subarray(0, 24))}`);
    }
    this.pending = new Uint8Array(rest);
  }
}

/**
 * A session of messages, sometimes ended by a terminal one, sent mostly in
 * small pieces, sometimes a byte at a time, sometimes large.
 */
const TEXT_FUZZING: Fuzzing = {
  session(random, count) {
    const requests = Array.from({ length: count }, () => fuzzMessage(random));
    if (random.chance(0.5)) requests.push(terminal(random));
    return join(...requests);
  },
  splitting: { pieceSizes: [1, 2, 3, 7, 64, 512, 4096, 65536], pauseChance: 0.05 },
};

/** Reply lines the storm must produce at the least (about 50,000 to 150,000 are seen). */
const MIN_REPLY_LINES = 5000;

test("Should survive thousands of random and mutated requests and keep every other client's data right", async () => {
  // A smaller item limit keeps megabyte values (grown by appends) from turning
  // the storm into a bandwidth test; the limit's own paths get more traffic.
  const server = await startServer({ extraArgs: ["--max-item-size", "32k"] });
  servers.push(server);
  const seed = Random.seedFromEnvironment();
  console.log(`fuzz: seed ${seed} (HARDENING_SEED=${seed} replays it)`);
  const random = new Random(seed);

  const guard = await TestClient.connect(server.port);
  const guarded = new Map<string, Uint8Array>();
  for (let index = 0; index < GUARD_KEYS; index++) {
    const value = random.bytes(random.between(0, 5000));
    guarded.set(`guard:${index}`, value);
    expect(await guard.set(`guard:${index}`, value)).toBe("STORED");
  }
  const baselineKiB = residentKiB(server.process.pid);

  // A well-behaved client, in its own process, kept busy through the storm.
  const observer = startObserver(server.port, seed);
  await Bun.sleep(200);

  const peak = watchPeakKiB(server.process.pid, baselineKiB);
  const stormStarted = performance.now();
  const checkers = Array.from({ length: FUZZ_CONNECTIONS }, () => new ReplyChecker());
  const sent = await Promise.all(
    checkers.map((checker, index) =>
      fuzzConnection(
        server.port,
        new Random(seed + index + 1),
        MESSAGES / FUZZ_CONNECTIONS,
        checker,
        TEXT_FUZZING,
      ),
    ),
  );
  const stormMs = performance.now() - stormStarted;
  const peakKiB = peak.stop();
  const seen = await observer.stop();
  // What the storm left behind, once the garbage collector caught up.
  const settledKiB = await settledResidentKiB(
    server.process.pid,
    baselineKiB + SETTLED_GROWTH_LIMIT_KIB,
  );

  // Still alive, still answering, nothing it should not say.
  expect(server.process.exitCode).toBeNull();
  const fresh = await TestClient.connect(server.port);
  expect(await fresh.call("version\r\n")).toStartWith("VERSION ");
  expect(await fresh.set("after-fuzz", "fine")).toBe("STORED");
  const after = await fresh.get("after-fuzz");
  expect(after === undefined ? undefined : latin1Text(after)).toBe("fine");
  // The connection that stored the guarded keys stayed open through the storm.
  expect(guard.closed).toBe(false);
  await guard.send(`get ${[...guarded.keys()].join(" ")}\r\n`);
  const values = await guard.values();
  for (const [key, value] of guarded) expect(values.get(key)?.value).toEqual(value);
  const stats = await fresh.stats();
  expect(stats.get("store_failed")).toBe("0");
  expect(seen.error).toBeNull();
  const replyLines = checkers.reduce((total, checker) => total + checker.lines, 0);
  const badLines = checkers.flatMap((checker) => checker.bad);
  expect(badLines).toEqual([]);
  // The reply check must have had replies to judge: a session's replies are
  // read until the server goes quiet, so most messages get theirs checked.
  expect(replyLines).toBeGreaterThan(MIN_REPLY_LINES);
  expect(server.stderr()).not.toMatch(/^\s+at /m);
  expect(seen.rounds).toBeGreaterThan(10);
  // Generous: three busy processes share two cores. A hang would be seconds.
  expect(seen.worstMs).toBeLessThan(2_000);
  expect(seen.medianMs).toBeLessThan(20);
  console.log(
    `fuzz: ${sent.reduce((a, b) => a + b, 0)} messages over ${stats.get("total_connections")} connections, ` +
      `${replyLines} reply lines checked, observer ${seen.rounds} rounds (median ${seen.medianMs.toFixed(1)} ms, worst ${seen.worstMs.toFixed(0)} ms), ` +
      `${(stormMs / 1000).toFixed(1)} s; RssAnon ${baselineKiB} KiB before, peak ${peakKiB}, settled ${settledKiB}; ` +
      `${GUARD_KEYS} guarded keys intact`,
  );
  expect(peakKiB - baselineKiB).toBeLessThan(PEAK_GROWTH_LIMIT_KIB);
  expect(settledKiB - baselineKiB).toBeLessThan(SETTLED_GROWTH_LIMIT_KIB);
  fresh.close();
  guard.close();
}, 60_000);
