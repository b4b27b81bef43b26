/**
 * Hostile binary frames: thousands of random, mutated and malformed binary
 * protocol requests (lying lengths, wrong magic, unknown opcodes, truncated
 * frames, huge bodies) over several connections, sent in pieces split
 * anywhere. The server must not crash or hang, must answer only with
 * well-formed response frames carrying memcached's statuses, must keep
 * memory bounded, and must leave the keys stored before the storm intact
 * (or, after a FLUSH among the hostile frames, absent, never changed).
 * The seed is printed; HARDENING_SEED replays a run.
 */
import { afterAll, expect, test } from "bun:test";
import { HEADER_LENGTH, Opcode, Status } from "../../src/protocol/binary/constants.ts";
import { BinaryConversation } from "../support/binary-conversation.ts";
import { delta, get, noop, parseResponses, request, store } from "../support/binary-frames.ts";
import { concatBytes } from "../support/bytes.ts";
import { Random } from "../support/random.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { type Fuzzing, fuzzConnection } from "./support/fuzz-connection.ts";
import { residentKiB, settledResidentKiB, watchPeakKiB } from "./support/system.ts";

const FUZZ_CONNECTIONS = 8;
const MESSAGES = 40_000;
const GUARD_KEYS = 64;
const PEAK_GROWTH_LIMIT_KIB = 256 * 1024;
const SETTLED_GROWTH_LIMIT_KIB = 96 * 1024;
const KNOWN_STATUSES: ReadonlySet<number> = new Set(Object.values(Status));
const OPCODES = Object.values(Opcode);

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

function fuzzKey(random: Random): string {
  return `f${random.below(40)}${random.chance(0.1) ? "\xff\0" : ""}`;
}

function wellFormed(random: Random): Uint8Array {
  const key = fuzzKey(random);
  const opaque = random.below(2 ** 32);
  switch (random.below(8)) {
    case 0:
      return store(
        random.pick([Opcode.SET, Opcode.SETQ, Opcode.ADD, Opcode.REPLACEQ]),
        key,
        random.bytes(random.below(300)),
        {
          flags: random.below(2 ** 32),
          opaque,
          cas: random.chance(0.2) ? BigInt(random.below(1000)) : 0n,
        },
      );
    case 1:
      return get(key, opaque, random.pick([Opcode.GET, Opcode.GETQ, Opcode.GETK, Opcode.GETKQ]));
    case 2:
      return delta(
        random.pick([Opcode.INCREMENT, Opcode.DECREMENTQ]),
        key,
        BigInt(random.below(1000)),
        BigInt(random.below(1000)),
        random.chance(0.5) ? 0xffff_ffff : 0,
        { opaque },
      );
    case 3:
      return request({
        opcode: random.pick([Opcode.APPEND, Opcode.PREPENDQ]),
        key,
        value: random.bytes(random.below(100)),
      });
    case 4:
      return request({ opcode: random.pick([Opcode.DELETE, Opcode.DELETEQ]), key, opaque });
    case 5:
      return request({
        opcode: random.pick([Opcode.TOUCH, Opcode.GATKQ]),
        key,
        extras: new Uint8Array(4),
      });
    case 6:
      return request({
        opcode: Opcode.STAT,
        key: random.pick(["", "settings", "items", "nonsense"]),
      });
    default:
      return noop(opaque);
  }
}

/** A well-formed frame with a few header or body bytes changed, cut, or repeated. */
function mutated(random: Random): Uint8Array {
  const bytes = Array.from(wellFormed(random));
  const edits = random.between(1, 3);
  for (let edit = 0; edit < edits; edit++) {
    const at = random.chance(0.7) ? random.below(HEADER_LENGTH) : random.below(bytes.length);
    switch (random.below(4)) {
      case 0:
        bytes[at] = random.below(256);
        break;
      case 1:
        bytes.splice(at, random.between(1, 8));
        break;
      case 2:
        bytes.splice(at, 0, ...bytes.slice(at, at + random.between(1, 30)));
        break;
      default:
        bytes[at] = random.pick([0x00, 0xff, 0x80, 0x81]);
    }
  }
  return Uint8Array.from(bytes);
}

/** Frames whose fields lie outright. */
function malformed(random: Random): Uint8Array {
  return request({
    opcode: random.chance(0.5) ? random.pick(OPCODES) : random.below(256),
    key: random.bytes(random.below(20)),
    extras: random.bytes(random.pick([0, 4, 8, 20, random.below(30)])),
    value: random.bytes(random.below(50)),
    keyLength: random.chance(0.3) ? random.below(400) : undefined,
    extrasLength: random.chance(0.3) ? random.below(256) : undefined,
    bodyLength: random.chance(0.3)
      ? random.pick([0, 1, 64 * 1024, 2 ** 31 - 1, 2 ** 32 - 1, random.below(500)])
      : undefined,
  });
}

function fuzzMessage(random: Random): Uint8Array {
  const roll = random.below(100);
  // Mostly well-formed: most broken frames close the connection, which ends the session.
  if (roll < 85) return wellFormed(random);
  if (roll < 94) return mutated(random);
  if (roll < 98) return malformed(random);
  return random.bytes(random.between(1, 100));
}

/** The server's cmd_flush, from a binary STAT request (its replies end with an empty key). */
async function flushCount(conversation: BinaryConversation): Promise<number> {
  await conversation.write(request({ opcode: Opcode.STAT }));
  const frames = parseResponses(
    await conversation.readUntil(
      (frame) => frame.opcode === Opcode.STAT && frame.key === "",
      5000,
      15_000,
    ),
  ).frames;
  const stat = frames.find((frame) => frame.key === "cmd_flush");
  if (stat === undefined) throw new Error("no cmd_flush in the server's stats");
  return Number(stat.value);
}

/** Checks that every reply is a whole, well-formed response frame. */
class FrameChecker {
  frames = 0;
  bad: string[] = [];
  private pending = new Uint8Array(0);

  restart(): void {
    this.pending = new Uint8Array(0);
  }

  feed(chunk: Uint8Array): void {
    const { frames, rest } = parseResponses(concatBytes(this.pending, chunk));
    this.pending = rest.slice();
    for (const frame of frames) {
      this.frames++;
      const wellFormed =
        frame.magic === 0x81 &&
        frame.dataType === 0 &&
        KNOWN_STATUSES.has(frame.status) &&
        frame.keyLength + frame.extrasLength <= frame.bodyLength;
      if (!wellFormed && this.bad.length < 5)
        this.bad.push(JSON.stringify({ ...frame, cas: String(frame.cas) }));
    }
    if (this.pending.length >= HEADER_LENGTH && this.pending[0] !== 0x81 && this.bad.length < 5) {
      this.bad.push(
        `a reply that is not a response frame: ${Buffer.from(this.pending.subarray(0, 24)).toString("hex")}`,
      );
    }
  }
}

const BINARY_FUZZING: Fuzzing = {
  // A session starts with a well-formed frame, so the connection speaks binary.
  session: (random, count) =>
    concatBytes(noop(), ...Array.from({ length: count }, () => fuzzMessage(random))),
  splitting: { pieceSizes: [1, 2, 3, 7, 64, 512, 4096], pauseChance: 0 },
};

test("Should survive thousands of hostile binary frames and keep every other client's data right", async () => {
  const server = await startServer({ extraArgs: ["--max-item-size", "32k"] });
  servers.push(server);
  const seed = Random.seedFromEnvironment();
  console.log(`binary fuzz: seed ${seed} (HARDENING_SEED=${seed} replays it)`);
  const random = new Random(seed);

  const guard = await BinaryConversation.open(server.port);
  const guarded = new Map<string, Uint8Array>();
  const isGuardNoop = (frame: { opcode: number; opaque: number }) =>
    frame.opcode === Opcode.NOOP && frame.opaque === 0xabcd;
  const guardWrites: Uint8Array[] = [];
  for (let index = 0; index < GUARD_KEYS; index++) {
    const value = random.bytes(random.between(0, 5000));
    guarded.set(`guard:${index}`, value);
    guardWrites.push(store(Opcode.SETQ, `guard:${index}`, value));
  }
  await guard.write(concatBytes(...guardWrites, noop(0xabcd)));
  expect(parseResponses(await guard.readUntil(isGuardNoop, 5000, 15_000)).frames.length).toBe(1);
  const baselineKiB = residentKiB(server.process.pid);

  const peak = watchPeakKiB(server.process.pid, baselineKiB);
  const checkers = Array.from({ length: FUZZ_CONNECTIONS }, () => new FrameChecker());
  const sent = await Promise.all(
    checkers.map((checker, index) =>
      fuzzConnection(
        server.port,
        new Random(seed + index + 1),
        MESSAGES / FUZZ_CONNECTIONS,
        checker,
        BINARY_FUZZING,
      ),
    ),
  );
  const peakKiB = peak.stop();
  const settledKiB = await settledResidentKiB(
    server.process.pid,
    baselineKiB + SETTLED_GROWTH_LIMIT_KIB,
  );

  expect(server.process.exitCode).toBeNull();
  expect(guard.closed).toBe(false);
  // GETK, not quiet: every key gets a reply, and one that is not a hit says why.
  const guardedKeys = [...guarded.keys()];
  await guard.write(
    concatBytes(...guardedKeys.map((key, index) => get(key, index, Opcode.GETK)), noop(0xabcd)),
  );
  const replies = parseResponses(await guard.readUntil(isGuardNoop, 5000, 15_000)).frames;
  const hits = new Map<string, string>();
  const notHits: string[] = [];
  for (const reply of replies) {
    if (reply.opcode !== Opcode.GETK) continue;
    const key = guardedKeys[reply.opaque] as string;
    if (reply.status === Status.SUCCESS) hits.set(key, reply.value);
    else notHits.push(`${key}: status 0x${reply.status.toString(16)} ${reply.value}`);
  }
  // A mutated or malformed frame is now and then a FLUSH (rare: none in 20
  // runs), which rightly empties every client's keys. After one, a guarded
  // key may be gone, but never changed.
  const flushes = await flushCount(guard);
  if (flushes === 0) expect(notHits).toEqual([]);
  for (const [key, value] of guarded) {
    if (flushes > 0 && !hits.has(key)) continue;
    expect(hits.get(key)).toBe(Buffer.from(value).toString("latin1"));
  }
  const intact = hits.size;
  guard.close();
  const badFrames = checkers.flatMap((checker) => checker.bad);
  expect(badFrames).toEqual([]);
  expect(server.stderr()).not.toMatch(/^\s+at /m);
  const frames = checkers.reduce((total, checker) => total + checker.frames, 0);
  console.log(
    `binary fuzz: ${sent.reduce((a, b) => a + b, 0)} frames sent, ${frames} reply frames checked; ` +
      `RssAnon ${baselineKiB} KiB before, peak ${peakKiB}, settled ${settledKiB}; ` +
      `${intact} of ${GUARD_KEYS} guarded keys intact, none changed (${flushes} flushes)`,
  );
  expect(frames).toBeGreaterThan(5000);
  expect(peakKiB - baselineKiB).toBeLessThan(PEAK_GROWTH_LIMIT_KIB);
  expect(settledKiB - baselineKiB).toBeLessThan(SETTLED_GROWTH_LIMIT_KIB);
}, 60_000);
