/**
 * ReplyBuffer: replies collected for one socket write, with write
 * acknowledgements that are swapped for an error if their commit fails.
 */
import { describe, expect, test } from "bun:test";
import { ReplyBuffer } from "../../src/protocol/reply-buffer.ts";
import { latin1Bytes, latin1Text } from "../support/bytes.ts";

const STORED = latin1Bytes("STORED\r\n");
const DELETED = latin1Bytes("DELETED\r\n");
const FAILURE = latin1Bytes("SERVER_ERROR storage failure (SQLITE_FULL)\r\n");

/** A buffer holding reads, errors and acknowledgements, interleaved. */
function mixedReplies(): ReplyBuffer {
  const buffer = new ReplyBuffer();
  buffer.writeAcknowledgement(STORED);
  buffer.writeBytes(latin1Bytes("VALUE k 0 1\r\nx\r\nEND\r\n"));
  buffer.writeAsciiAcknowledgement("43\r\n");
  buffer.writeBytes(latin1Bytes("ERROR\r\n"));
  buffer.writeAcknowledgement(DELETED);
  return buffer;
}

describe("ReplyBuffer", () => {
  test("Should hand out everything written, in order, then be empty", () => {
    const buffer = new ReplyBuffer();
    buffer.writeBytes(latin1Bytes("VALUE a 0 1\r\n"));
    buffer.writeAscii("x\r\nEND\r\n");
    expect(buffer.byteLength).toBe(21);
    expect(latin1Text(buffer.take())).toBe("VALUE a 0 1\r\nx\r\nEND\r\n");
    expect(buffer.byteLength).toBe(0);
    expect(buffer.take().length).toBe(0);
  });

  test("Should write ASCII text one byte per character, Latin-1 included", () => {
    const buffer = new ReplyBuffer();
    buffer.writeAscii("a\xff\x00\x80");
    expect([...buffer.take()]).toEqual([0x61, 0xff, 0x00, 0x80]);
  });

  test("Should send acknowledgements unchanged once their commit succeeded", () => {
    const buffer = mixedReplies();
    buffer.confirmAcknowledgements();
    expect(latin1Text(buffer.take())).toBe(
      "STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n43\r\nERROR\r\nDELETED\r\n",
    );
  });

  test("Should replace every acknowledgement, and only those, when the commit failed", () => {
    const buffer = mixedReplies();
    buffer.replaceAcknowledgements(FAILURE);
    const failure = latin1Text(FAILURE);
    expect(latin1Text(buffer.take())).toBe(
      `${failure}VALUE k 0 1\r\nx\r\nEND\r\n${failure}ERROR\r\n${failure}`,
    );
  });

  test("Should replace an acknowledgement with its own substitute, an empty one included", () => {
    const buffer = new ReplyBuffer();
    buffer.writeAcknowledgement(new Uint8Array(0), (failure) =>
      latin1Bytes(`[1 ${latin1Text(failure)}]`),
    );
    buffer.writeAcknowledgement(STORED);
    buffer.writeAcknowledgement(DELETED, (failure) => latin1Bytes(`[3 ${latin1Text(failure)}]`));
    buffer.replaceAcknowledgements(latin1Bytes("failed"));
    expect(latin1Text(buffer.take())).toBe("[1 failed]failed[3 failed]");
  });

  test("Should forget substitutes with their confirmed acknowledgements", () => {
    const buffer = new ReplyBuffer();
    buffer.writeAcknowledgement(STORED, () => latin1Bytes("stale substitute"));
    buffer.confirmAcknowledgements();
    buffer.writeAcknowledgement(DELETED);
    buffer.replaceAcknowledgements(FAILURE);
    expect(latin1Text(buffer.take())).toBe(`STORED\r\n${latin1Text(FAILURE)}`);
  });

  test("Should leave confirmed acknowledgements alone if a later commit fails", () => {
    const buffer = new ReplyBuffer();
    buffer.writeAcknowledgement(STORED);
    buffer.confirmAcknowledgements();
    buffer.writeAcknowledgement(DELETED);
    buffer.replaceAcknowledgements(FAILURE);
    expect(latin1Text(buffer.take())).toBe(`STORED\r\n${latin1Text(FAILURE)}`);
  });

  test("Should change nothing when a failed commit had no acknowledgements here", () => {
    const buffer = new ReplyBuffer();
    buffer.writeBytes(latin1Bytes("END\r\n"));
    buffer.replaceAcknowledgements(FAILURE);
    expect(latin1Text(buffer.take())).toBe("END\r\n");
  });

  test("Should forget acknowledgements that were already taken", () => {
    const buffer = new ReplyBuffer();
    buffer.writeAcknowledgement(STORED);
    expect(latin1Text(buffer.take())).toBe("STORED\r\n");
    buffer.writeBytes(latin1Bytes("END\r\n"));
    buffer.writeAcknowledgement(DELETED);
    buffer.replaceAcknowledgements(FAILURE);
    expect(latin1Text(buffer.take())).toBe(`END\r\n${latin1Text(FAILURE)}`);
  });

  test("Should append after a replacement as after any other write", () => {
    const buffer = mixedReplies();
    buffer.replaceAcknowledgements(FAILURE);
    buffer.writeAscii("VERSION 1\r\n");
    const replies = latin1Text(buffer.take());
    expect(replies.endsWith(`ERROR\r\n${latin1Text(FAILURE)}VERSION 1\r\n`)).toBe(true);
  });

  test("Should grow past its initial size and keep every byte", () => {
    const buffer = new ReplyBuffer();
    const expected: number[] = [];
    for (let index = 0; index < 20_000; index++) {
      const piece = new Uint8Array([index & 0xff, (index >> 8) & 0xff, 0x0d, 0x0a]);
      buffer.writeBytes(piece);
      expected.push(...piece);
    }
    const large = new Uint8Array(3 * 1024 * 1024).map((_, index) => (index * 31) & 0xff);
    buffer.writeBytes(large);
    expect(buffer.byteLength).toBe(expected.length + large.length);
    const taken = buffer.take();
    expect(Buffer.from(taken.subarray(0, expected.length)).equals(Buffer.from(expected))).toBe(
      true,
    );
    expect(Buffer.from(taken.subarray(expected.length)).equals(Buffer.from(large))).toBe(true);
  });

  test("Should grow while replacing many short acknowledgements with a long failure", () => {
    const buffer = new ReplyBuffer();
    const count = 5_000;
    for (let index = 0; index < count; index++) {
      buffer.writeAscii(`VALUE ${index}\r\n`);
      buffer.writeAcknowledgement(STORED);
    }
    buffer.replaceAcknowledgements(FAILURE);
    let expected = "";
    for (let index = 0; index < count; index++) {
      expected += `VALUE ${index}\r\n${latin1Text(FAILURE)}`;
    }
    expect(latin1Text(buffer.take())).toBe(expected);
  });

  test("Should be usable again after handing out a very large reply", () => {
    const buffer = new ReplyBuffer();
    buffer.writeBytes(new Uint8Array(2 * 1024 * 1024).fill(0x78));
    expect(buffer.take().length).toBe(2 * 1024 * 1024);
    buffer.writeAcknowledgement(STORED);
    buffer.replaceAcknowledgements(FAILURE);
    expect(latin1Text(buffer.take())).toBe(latin1Text(FAILURE));
  });
});
