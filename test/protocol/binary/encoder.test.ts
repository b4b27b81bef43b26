/**
 * The binary reply encoder: header fields at their offsets, the request's
 * opcode and opaque echoed, cas in network order, memcached's error bodies.
 */
import { describe, expect, test } from "bun:test";
import { ERROR_BODY, Opcode, Status } from "../../../src/protocol/binary/constants.ts";
import {
  counterValue,
  encodeError,
  encodeResponse,
  flagsExtras,
  writeResponse,
  writeStats,
} from "../../../src/protocol/binary/encoder.ts";
import { ReplyBuffer } from "../../../src/protocol/reply-buffer.ts";
import { parseResponses } from "../../support/binary-frames.ts";
import { latin1Bytes } from "../../support/bytes.ts";

describe("Binary encoder", () => {
  test("Should lay out a get hit as memcached does", () => {
    const bytes = encodeResponse({
      opcode: Opcode.GETK,
      opaque: 0xdeadbeef,
      cas: 2n ** 64n - 2n,
      extras: flagsExtras(0x01020304),
      key: latin1Bytes("key"),
      value: latin1Bytes("value"),
    });
    expect([...bytes.subarray(0, 24)]).toEqual([
      0x81, 0x0c, 0x00, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0xde, 0xad, 0xbe,
      0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    ]);
    expect(Buffer.from(bytes.subarray(24)).toString("latin1")).toBe("\x01\x02\x03\x04keyvalue");
  });

  test("Should write the same bytes into a reply buffer as it encodes alone", () => {
    const fields = {
      opcode: Opcode.INCREMENT,
      opaque: 7,
      cas: 12,
      value: counterValue(2n ** 64n - 1n),
    };
    const out = new ReplyBuffer();
    writeResponse(out, fields);
    writeResponse(out, fields);
    const once = encodeResponse(fields);
    expect(out.take()).toEqual(new Uint8Array([...once, ...once]));
  });

  test("Should send each error with memcached's body and a cas of 0", () => {
    for (const [status, body] of Object.entries(ERROR_BODY)) {
      const [frame] = parseResponses(encodeError(Opcode.SETQ, 9, Number(status) as 1)).frames;
      expect(frame).toMatchObject({
        magic: 0x81,
        opcode: Opcode.SETQ,
        status: Number(status),
        opaque: 9,
        cas: 0n,
        keyLength: 0,
        extrasLength: 0,
        value: body,
      });
    }
  });

  test("Should replace the body of an out-of-memory error with its detail", () => {
    const [frame] = parseResponses(
      encodeError(Opcode.SET, 1, Status.OUT_OF_MEMORY, "storage failure (SQLITE_FULL)"),
    ).frames;
    expect(frame).toMatchObject({ status: 0x82, value: "storage failure (SQLITE_FULL)" });
  });

  test("Should end stats with an empty Stat frame carrying the opaque", () => {
    const out = new ReplyBuffer();
    writeStats(out, 5, [
      ["pid", "1"],
      ["version", "1.6.18"],
    ]);
    const { frames, rest } = parseResponses(out.take());
    expect(rest.length).toBe(0);
    expect(
      frames.map(({ opcode, key, value, opaque }) => ({ opcode, key, value, opaque })),
    ).toEqual([
      { opcode: Opcode.STAT, key: "pid", value: "1", opaque: 5 },
      { opcode: Opcode.STAT, key: "version", value: "1.6.18", opaque: 5 },
      { opcode: Opcode.STAT, key: "", value: "", opaque: 5 },
    ]);
  });
});
