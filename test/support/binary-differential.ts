/**
 * Runs one binary differential case against a server and renders its
 * replies as normalised text: one line per response frame with every
 * header field, cas values renamed <casN> in order of first appearance
 * (so "same cas" and "new cas" must still match), the version body as
 * <version>, and marks for closes and reconnects.
 */

import { Opcode } from "../../src/protocol/binary/constants.ts";
import {
  type BinaryDifferentialCase,
  RECONNECT,
  SENTINEL,
  SENTINEL_OPAQUE,
} from "../e2e/binary-differential-cases.ts";
import { BinaryConversation } from "./binary-conversation.ts";
import { parseResponses, type ResponseFrame } from "./binary-frames.ts";
import { concatBytes, latin1Text } from "./bytes.ts";

/** Waiting this long with no new byte ends a step whose sentinel was swallowed. */
const QUIET_MS = 1000;
/** No step may take longer than this in total. */
const STEP_TIMEOUT_MS = 15_000;
/** Values longer than this are shown by length and hash (still compared in full). */
const SHOWN_VALUE_LENGTH = 120;

/** One piece of a conversation: reply bytes, or a mark. */
export type Transcript = Array<Uint8Array | "<closed>" | "<reconnect>">;

export const isSentinelReply = (frame: ResponseFrame) =>
  frame.opcode === Opcode.NOOP && frame.opaque === SENTINEL_OPAQUE;

export async function converse(port: number, testCase: BinaryDifferentialCase, k: string) {
  let conversation = await BinaryConversation.open(port);
  const transcript: Transcript = [];
  const frames: ResponseFrame[] = [];
  const record = (bytes: Uint8Array) => {
    transcript.push(bytes);
    frames.push(
      ...parseResponses(concatBytes(...transcript.filter(isBytes))).frames.slice(frames.length),
    );
  };
  try {
    for (const step of testCase.steps(k)) {
      if (step === RECONNECT) {
        await finish(conversation, transcript, record);
        transcript.push("<reconnect>");
        conversation.close();
        conversation = await BinaryConversation.open(port);
        continue;
      }
      const data = typeof step === "function" ? step(frames) : step;
      await conversation.write(testCase.noSentinel ? data : concatBytes(data, SENTINEL));
      const done = testCase.noSentinel ? () => false : isSentinelReply;
      record(await conversation.readUntil(done, QUIET_MS, STEP_TIMEOUT_MS));
    }
    await finish(conversation, transcript, record);
    return transcript;
  } finally {
    conversation.close();
  }
}

function isBytes(part: Transcript[number]): part is Uint8Array {
  return typeof part !== "string";
}

/** Picks up a close that comes right after the last reply. */
async function finish(
  conversation: BinaryConversation,
  transcript: Transcript,
  record: (bytes: Uint8Array) => void,
) {
  if (!conversation.closed) await conversation.waitForActivity(20);
  record(conversation.take());
  if (conversation.closed) transcript.push("<closed>");
}

export function normalise(transcript: Transcript, statsShapeOnly = false): string {
  const casNames = new Map<bigint, string>();
  const casName = (cas: bigint) => {
    if (cas === 0n) return "0";
    if (!casNames.has(cas)) casNames.set(cas, `<cas${casNames.size + 1}>`);
    return casNames.get(cas) as string;
  };
  const lines: string[] = [];
  let pending = new Uint8Array(0);
  for (const part of transcript) {
    if (!isBytes(part)) {
      if (pending.length > 0) lines.push(`<partial ${hex(pending)}>`);
      pending = new Uint8Array(0);
      lines.push(part);
      continue;
    }
    const { frames, rest } = parseResponses(concatBytes(pending, part));
    pending = rest.slice();
    for (const frame of frames) {
      if (isSentinelReply(frame) && frame.bodyLength === 0 && frame.cas === 0n) {
        lines.push("<sentinel>");
        continue;
      }
      const line = render(frame, casName);
      if (statsShapeOnly && frame.opcode === Opcode.STAT && frame.keyLength > 0) {
        if (lines.at(-1) !== "<stat frames>") lines.push("<stat frames>");
        continue;
      }
      lines.push(line);
    }
  }
  if (pending.length > 0) lines.push(`<partial ${hex(pending)}>`);
  return lines.join("\n");
}

function render(frame: ResponseFrame, casName: (cas: bigint) => string): string {
  const isVersion = frame.opcode === Opcode.VERSION && frame.status === 0;
  const value = isVersion ? "<version>" : shown(frame.value);
  const bodyLength = isVersion ? "<n>" : String(frame.bodyLength);
  return [
    `magic=${hexByte(frame.magic)} op=${hexByte(frame.opcode)} status=${frame.status}`,
    `keylen=${frame.keyLength} extlen=${frame.extrasLength} type=${frame.dataType}`,
    `bodylen=${bodyLength} opaque=${frame.opaque} cas=${casName(frame.cas)}`,
    `extras=${hex(latin1Bytes(frame.extras))} key=${JSON.stringify(frame.key)} value=${value}`,
  ].join(" ");
}

function shown(value: string): string {
  if (value.length <= SHOWN_VALUE_LENGTH) return JSON.stringify(value);
  return `<${value.length} bytes, hash ${Bun.hash(value).toString(16)}>`;
}

function latin1Bytes(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}

function hexByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

export { latin1Text };
