/**
 * The memcached binary protocol encoder: response frames as memcached 1.6.18
 * builds them (proto_bin.c, add_bin_header). Every response repeats the
 * request's opcode (a quiet one stays quiet) and opaque; data type is raw
 * bytes; cas is the item's cas for hits and successful writes, else 0.
 */
import type { ReplyBuffer } from "../reply-buffer.ts";
import {
  ERROR_BODY,
  HEADER_LENGTH,
  HeaderOffset,
  Magic,
  Opcode,
  RAW_BYTES,
  Status,
  type StatusValue,
} from "./constants.ts";

export interface ResponseFields {
  opcode: number;
  opaque: number;
  status?: StatusValue;
  /** A number or a bigint: cas values fit 64 bits. */
  cas?: number | bigint;
  extras?: Uint8Array;
  key?: Uint8Array;
  value?: Uint8Array;
}

const EMPTY = new Uint8Array(0);
/** A reply string (a version, a stat, an error detail) as the bytes it names. */
export const latin1Bytes = (text: string): Uint8Array =>
  Uint8Array.from(text, (character) => character.charCodeAt(0));
const ERROR_BODY_BYTES = new Map<number, Uint8Array>(
  Object.entries(ERROR_BODY).map(([status, body]) => [Number(status), latin1Bytes(body)]),
);

/** One response frame as bytes (for replies kept aside, such as a failure substitute). */
export function encodeResponse(fields: ResponseFields): Uint8Array {
  const extras = fields.extras ?? EMPTY;
  const key = fields.key ?? EMPTY;
  const value = fields.value ?? EMPTY;
  const frame = new Uint8Array(HEADER_LENGTH + extras.length + key.length + value.length);
  writeHeader(frame, fields, extras.length, key.length, value.length);
  frame.set(extras, HEADER_LENGTH);
  frame.set(key, HEADER_LENGTH + extras.length);
  frame.set(value, HEADER_LENGTH + extras.length + key.length);
  return frame;
}

const scratch = new Uint8Array(HEADER_LENGTH);

/** Writes one response frame into `out` without building it whole first (values may be large). */
export function writeResponse(out: ReplyBuffer, fields: ResponseFields): void {
  const extras = fields.extras ?? EMPTY;
  const key = fields.key ?? EMPTY;
  const value = fields.value ?? EMPTY;
  writeHeader(scratch, fields, extras.length, key.length, value.length);
  out.writeBytes(scratch);
  if (extras.length > 0) out.writeBytes(extras);
  if (key.length > 0) out.writeBytes(key);
  if (value.length > 0) out.writeBytes(value);
}

/** The error body memcached sends with `status`; `detail` replaces it (as out_of_memory does). */
export function errorBody(status: StatusValue, detail?: string): Uint8Array {
  if (detail !== undefined) return latin1Bytes(detail);
  return ERROR_BODY_BYTES.get(status) ?? EMPTY;
}

/** An error response: status, memcached's body for it, cas 0. */
export function encodeError(
  opcode: number,
  opaque: number,
  status: StatusValue,
  detail?: string,
): Uint8Array {
  return encodeResponse({ opcode, opaque, status, value: errorBody(status, detail) });
}

/**
 * The stats reply: one Stat frame per name (key = name, value = value),
 * then the empty frame that ends it. Stat frames carry the request's opaque
 * but always the Stat opcode and cas 0, as memcached's append_bin_stats.
 */
export function writeStats(
  out: ReplyBuffer,
  opaque: number,
  stats: Iterable<readonly [string, string]>,
): void {
  for (const [name, value] of stats) {
    writeResponse(out, {
      opcode: Opcode.STAT,
      opaque,
      key: latin1Bytes(name),
      value: latin1Bytes(value),
    });
  }
  writeResponse(out, { opcode: Opcode.STAT, opaque });
}

function writeHeader(
  target: Uint8Array,
  fields: ResponseFields,
  extrasLength: number,
  keyLength: number,
  valueLength: number,
): void {
  const view = new DataView(target.buffer, target.byteOffset, HEADER_LENGTH);
  view.setUint8(HeaderOffset.MAGIC, Magic.RESPONSE);
  view.setUint8(HeaderOffset.OPCODE, fields.opcode);
  view.setUint16(HeaderOffset.KEY_LENGTH, keyLength);
  view.setUint8(HeaderOffset.EXTRAS_LENGTH, extrasLength);
  view.setUint8(HeaderOffset.DATA_TYPE, RAW_BYTES);
  view.setUint16(HeaderOffset.STATUS, fields.status ?? Status.SUCCESS);
  view.setUint32(HeaderOffset.BODY_LENGTH, extrasLength + keyLength + valueLength);
  view.setUint32(HeaderOffset.OPAQUE, fields.opaque);
  view.setBigUint64(HeaderOffset.CAS, BigInt(fields.cas ?? 0));
}

/** The 4-byte flags extras of get, gat and touch responses. */
export function flagsExtras(flags: number): Uint8Array {
  const extras = new Uint8Array(4);
  new DataView(extras.buffer).setUint32(0, flags);
  return extras;
}

/** The 8-byte body of an incr/decr response: the new value, big-endian. */
export function counterValue(value: bigint): Uint8Array {
  const body = new Uint8Array(8);
  new DataView(body.buffer).setBigUint64(0, value);
  return body;
}
