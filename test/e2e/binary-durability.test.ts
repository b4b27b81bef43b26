/**
 * Durability for binary clients: a writer pipelines quiet sets (SetQ, no
 * reply on success) each batch ended by a Noop, and counts a batch as
 * acknowledged when its Noop's reply arrives. litecached must hold that
 * reply until the batch's group commit, so after kill -9 at a random moment
 * every key of every acknowledged batch is on disk, byte for byte.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Opcode } from "../../src/protocol/binary/constants.ts";
import { BinaryConversation } from "../support/binary-conversation.ts";
import { get, noop, parseResponses, type ResponseFrame, store } from "../support/binary-frames.ts";
import { concatBytes } from "../support/bytes.ts";
import { Random } from "../support/random.ts";
import { type RunningServer, startServer, temporaryDirectory } from "../support/server.ts";

const TRIALS = 3;
const SETS_PER_BATCH = 50;
/** Batches sent ahead of the replies, so that many commits are in flight when the kill comes. */
const BATCHES_IN_FLIGHT = 4;
const SEED = Number(process.env.LITECACHED_TEST_SEED ?? Date.now() % 1_000_000);

const keyOf = (trial: number, batch: number, index: number) => `t${trial}:b${batch}:${index}`;
/** A value that names its key, with bytes a text decoding would mangle. */
const storedValue = (key: string) => `${key}|\x00\xff\r\n|${"v".repeat(key.length * 3)}`;

/** Streams binary frames to the server and collects the replies, without waiting per frame. */
class BinaryWriter {
  private received = new Uint8Array(0);
  readonly frames: ResponseFrame[] = [];
  closed = false;
  private socket: Awaited<ReturnType<typeof Bun.connect>> | undefined;

  static async open(port: number): Promise<BinaryWriter> {
    const writer = new BinaryWriter();
    writer.socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data: (_socket, chunk) => writer.take(chunk),
        close: () => {
          writer.closed = true;
        },
        error: () => {
          writer.closed = true;
        },
      },
    });
    return writer;
  }

  private take(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.received.length + chunk.length);
    joined.set(this.received);
    joined.set(chunk, this.received.length);
    const { frames, rest } = parseResponses(joined);
    this.frames.push(...frames);
    this.received = rest.slice();
  }

  /** Writes everything, waiting for the socket to take it; false once the server is gone. */
  async send(bytes: Uint8Array): Promise<boolean> {
    let offset = 0;
    while (offset < bytes.length) {
      if (this.closed || this.socket === undefined) return false;
      const written = this.socket.write(bytes.subarray(offset));
      if (written < 0) return false;
      offset += written;
      if (offset < bytes.length) await Bun.sleep(1);
    }
    return true;
  }

  close(): void {
    this.socket?.end();
  }
}

function batchFrames(trial: number, batch: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let index = 0; index < SETS_PER_BATCH; index++) {
    const key = keyOf(trial, batch, index);
    parts.push(store(Opcode.SETQ, key, storedValue(key), { flags: batch, opaque: index }));
  }
  return concatBytes(...parts, noop(batch));
}

/** Sends batches until the server dies; returns the batches whose Noop was answered. */
async function writeUntilKilled(writer: BinaryWriter, trial: number): Promise<number[]> {
  let batch = 0;
  while (!writer.closed) {
    const answered = writer.frames.filter((frame) => frame.opcode === Opcode.NOOP).length;
    if (batch - answered >= BATCHES_IN_FLIGHT) {
      await Bun.sleep(1);
      continue;
    }
    if (!(await writer.send(batchFrames(trial, batch)))) break;
    batch++;
  }
  const errors = writer.frames.filter((frame) => frame.status !== 0);
  expect(errors).toEqual([]);
  return writer.frames.filter((frame) => frame.opcode === Opcode.NOOP).map((frame) => frame.opaque);
}

/** Reads every key of the acknowledged batches back over the binary protocol. */
async function missingKeys(server: RunningServer, trial: number, batches: number[]) {
  const conversation = await BinaryConversation.open(server.port);
  const missing: string[] = [];
  try {
    for (const batch of batches) {
      const keys = Array.from({ length: SETS_PER_BATCH }, (_, index) => keyOf(trial, batch, index));
      await conversation.write(
        concatBytes(...keys.map((key, index) => get(key, index, Opcode.GETKQ)), noop(0xffff_ffff)),
      );
      const replies = parseResponses(
        await conversation.readUntil(
          (frame) => frame.opcode === Opcode.NOOP && frame.opaque === 0xffff_ffff,
          5000,
          15_000,
        ),
      ).frames.filter((frame) => frame.opcode === Opcode.GETKQ);
      const found = new Map(replies.map((frame) => [frame.key, frame]));
      for (const key of keys) {
        const frame = found.get(key);
        const intact =
          frame !== undefined &&
          frame.value === storedValue(key) &&
          frame.extras === String.fromCharCode(0, 0, batch >> 8, batch & 0xff);
        if (!intact) missing.push(key);
      }
    }
  } finally {
    conversation.close();
  }
  return missing;
}

describe("kill -9 with a binary writer", () => {
  test(
    "Should keep every quiet set acknowledged by a later Noop's reply",
    async () => {
      const random = new Random(SEED);
      const folder = temporaryDirectory();
      const databasePath = join(folder, "database.sqlite");
      let acknowledged = 0;
      let server = await startServer({ databasePath });
      try {
        for (let trial = 1; trial <= TRIALS; trial++) {
          const writer = await BinaryWriter.open(server.port);
          const run = writeUntilKilled(writer, trial);
          await Bun.sleep(200 + random.below(600));
          await server.kill();
          const batches = await run;
          writer.close();
          acknowledged += batches.length * SETS_PER_BATCH;
          server = await startServer({ databasePath });
          expect({ trial, seed: SEED, missing: await missingKeys(server, trial, batches) }).toEqual(
            {
              trial,
              seed: SEED,
              missing: [],
            },
          );
        }
        expect(acknowledged).toBeGreaterThan(TRIALS * SETS_PER_BATCH);
        console.log(
          `binary durability: ${TRIALS} kill -9 trials, ${acknowledged} quiet sets acknowledged`,
        );
      } finally {
        await server.kill();
      }
    },
    { timeout: 90_000 },
  );
});
