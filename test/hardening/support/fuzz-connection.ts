/**
 * What the text and binary fuzz tests do with one connection: sessions of
 * hostile bytes, each on a new connection (hostile bytes get connections
 * closed), sent in pieces split anywhere, every reply chunk handed to a
 * checker, read until the server goes quiet or closes. Making the bytes and
 * judging the replies is each test's own.
 */
import type { Socket } from "bun";
import type { Random } from "../../support/random.ts";

/** How many messages one session sends at the least and at the most. */
const SESSION_MIN_MESSAGES = 10;
const SESSION_MAX_MESSAGES = 200;
/** A reply that stops short is awaited this long after the last reply byte... */
const QUIET_MS = 20;
/** ...but no longer than this after the last piece was sent: a skipped block may never end. */
const MAX_READ_MS = 300;
/** How long a piece the socket could not take waits for a drain event. */
const DRAIN_WAIT_MS = 50;

export interface Splitting {
  /** The piece sizes to pick from, one per write. */
  pieceSizes: readonly number[];
  /** How often to pause a few milliseconds after a piece (0: never, and no random draw). */
  pauseChance: number;
}

/** Reads a fuzz connection's replies; restart() is called before each session. */
export interface ReplyCheck {
  restart(firstByte: number | undefined): void;
  feed(chunk: Uint8Array): void;
}

export interface Fuzzing {
  /** The bytes of one session of `count` messages. */
  session(random: Random, count: number): Uint8Array;
  splitting: Splitting;
}

/** Sends sessions until `messages` messages are sent; returns that number. */
export async function fuzzConnection(
  port: number,
  random: Random,
  messages: number,
  checker: ReplyCheck,
  { session, splitting }: Fuzzing,
): Promise<number> {
  let sent = 0;
  while (sent < messages) {
    const count = Math.min(
      messages - sent,
      random.between(SESSION_MIN_MESSAGES, SESSION_MAX_MESSAGES),
    );
    const stream = session(random, count);
    checker.restart(stream[0]);
    sent += count;
    await sendInPieces(port, stream, random, (chunk) => checker.feed(chunk), splitting);
  }
  return sent;
}

/** Sends `stream` on a new connection, then reads replies until quiet, and closes it. */
async function sendInPieces(
  port: number,
  stream: Uint8Array,
  random: Random,
  onReply: (chunk: Uint8Array) => void,
  { pieceSizes, pauseChance }: Splitting,
): Promise<void> {
  let closed = false;
  let lastDataMs = Date.now();
  let drained: (() => void) | undefined;
  const socket: Socket<undefined> = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, chunk) {
        lastDataMs = Date.now();
        onReply(chunk);
      },
      drain() {
        drained?.();
      },
      close() {
        closed = true;
        drained?.();
      },
      error() {
        closed = true;
        drained?.();
      },
    },
  });
  let offset = 0;
  while (offset < stream.length && !closed) {
    const piece = stream.subarray(offset, offset + random.pick(pieceSizes));
    const written = socket.write(piece);
    if (written < 0) break;
    offset += written;
    if (written < piece.length) {
      await new Promise<void>((resolve) => {
        drained = resolve;
        setTimeout(resolve, DRAIN_WAIT_MS);
      });
    } else if (pauseChance > 0 && random.chance(pauseChance)) {
      await Bun.sleep(random.below(3));
    }
  }
  // Quiet counts from the last reply byte or the end of sending, whichever is
  // later: replies of the last pieces may not have started yet.
  const sentAt = Date.now();
  const quietMs = () => Date.now() - Math.max(lastDataMs, sentAt);
  while (!closed && quietMs() < QUIET_MS && Date.now() - sentAt < MAX_READ_MS) {
    await Bun.sleep(5);
  }
  socket.end();
}
