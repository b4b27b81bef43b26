/**
 * Binary protocol frames for tests: requests built field by field (any field
 * may lie, to make malformed frames), and responses split back into fields.
 * Strings are Latin-1, one character per byte.
 */
import { HEADER_LENGTH, Magic, Opcode } from "../../src/protocol/binary/constants.ts";
import { concatBytes, latin1Bytes, latin1Text } from "./bytes.ts";

export interface RequestFields {
  opcode: number;
  key?: string | Uint8Array;
  extras?: Uint8Array;
  value?: string | Uint8Array;
  opaque?: number;
  cas?: bigint;
  /** Overrides, to build malformed frames. */
  magic?: number;
  keyLength?: number;
  extrasLength?: number;
  bodyLength?: number;
  dataType?: number;
  vbucket?: number;
}

const bytesOf = (part: string | Uint8Array | undefined) =>
  part === undefined ? new Uint8Array(0) : typeof part === "string" ? latin1Bytes(part) : part;

export function request(fields: RequestFields): Uint8Array<ArrayBuffer> {
  const key = bytesOf(fields.key);
  const extras = fields.extras ?? new Uint8Array(0);
  const value = bytesOf(fields.value);
  const header = new Uint8Array(HEADER_LENGTH);
  const view = new DataView(header.buffer);
  view.setUint8(0, fields.magic ?? Magic.REQUEST);
  view.setUint8(1, fields.opcode);
  view.setUint16(2, fields.keyLength ?? key.length);
  view.setUint8(4, fields.extrasLength ?? extras.length);
  view.setUint8(5, fields.dataType ?? 0);
  view.setUint16(6, fields.vbucket ?? 0);
  view.setUint32(8, fields.bodyLength ?? extras.length + key.length + value.length);
  view.setUint32(12, fields.opaque ?? 0);
  view.setBigUint64(16, fields.cas ?? 0n);
  return concatBytes(header, extras, key, value);
}

/** Big-endian 32-bit words, then 64-bit ones: extras as the protocol lays them out. */
export function uint32s(...words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  words.forEach((word, index) => {
    view.setUint32(index * 4, word >>> 0);
  });
  return bytes;
}

export function uint64(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value);
  return bytes;
}

// ---- request shorthands ----

export const get = (key: string, opaque = 0, opcode: number = Opcode.GET) =>
  request({ opcode, key, opaque });

export const store = (
  opcode: number,
  key: string,
  value: string | Uint8Array,
  options: { flags?: number; expiration?: number; opaque?: number; cas?: bigint } = {},
) =>
  request({
    opcode,
    key,
    value,
    extras: uint32s(options.flags ?? 0, options.expiration ?? 0),
    opaque: options.opaque,
    cas: options.cas,
  });

export const set = (key: string, value: string | Uint8Array, flags = 0, opaque = 0) =>
  store(Opcode.SET, key, value, { flags, opaque });

export const delta = (
  opcode: number,
  key: string,
  amount: bigint,
  initial: bigint,
  expiration: number,
  options: { opaque?: number; cas?: bigint } = {},
) =>
  request({
    opcode,
    key,
    extras: concatBytes(uint64(amount), uint64(initial), uint32s(expiration)),
    ...options,
  });

export const simple = (opcode: number, opaque = 0) => request({ opcode, opaque });
export const noop = (opaque = 0) => simple(Opcode.NOOP, opaque);

// ---- responses ----

export interface ResponseFrame {
  magic: number;
  opcode: number;
  keyLength: number;
  extrasLength: number;
  dataType: number;
  status: number;
  bodyLength: number;
  opaque: number;
  cas: bigint;
  extras: string;
  key: string;
  value: string;
}

/** Splits bytes into response frames; `rest` is what did not make a whole frame. */
export function parseResponses(bytes: Uint8Array): { frames: ResponseFrame[]; rest: Uint8Array } {
  const frames: ResponseFrame[] = [];
  let offset = 0;
  while (bytes.length - offset >= HEADER_LENGTH) {
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, HEADER_LENGTH);
    const bodyLength = view.getUint32(8);
    if (bytes.length - offset < HEADER_LENGTH + bodyLength) break;
    const keyLength = view.getUint16(2);
    const extrasLength = view.getUint8(4);
    const body = bytes.subarray(offset + HEADER_LENGTH, offset + HEADER_LENGTH + bodyLength);
    frames.push({
      magic: view.getUint8(0),
      opcode: view.getUint8(1),
      keyLength,
      extrasLength,
      dataType: view.getUint8(5),
      status: view.getUint16(6),
      bodyLength,
      opaque: view.getUint32(12),
      cas: view.getBigUint64(16),
      extras: latin1Text(body.subarray(0, extrasLength)),
      key: latin1Text(body.subarray(extrasLength, extrasLength + keyLength)),
      value: latin1Text(body.subarray(extrasLength + keyLength)),
    });
    offset += HEADER_LENGTH + bodyLength;
  }
  return { frames, rest: bytes.subarray(offset) };
}
