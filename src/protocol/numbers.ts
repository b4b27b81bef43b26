/**
 * memcached's number rules, once, for every protocol: how a token becomes a
 * flag, an exptime, a length, a delta or a cas, and how incr/decr read and
 * rewrite a stored number.
 *
 * memcached hands each token to glibc's strtol or strtoull (base 10) through
 * its safe_strto* wrappers (util.c) and accepts what they accept: leading
 * whitespace, a sign, digits, then the end or whitespace (anything after
 * that whitespace is ignored). Tokens cannot hold spaces, but they can hold
 * tabs and a CR (a line ending in CR CR LF).
 */

const ZERO = 0x30;
const NINE = 0x39;
const PLUS = 0x2b;
const MINUS = 0x2d;
const SPACE = 0x20;
/** Up to this many significant digits a magnitude is exact as a double. */
const EXACT_DIGITS = 15;
/** More significant digits than this overflow every 64-bit type (ERANGE). */
const MAX_DIGITS = 20;
const TWO_TO_63 = 1n << 63n;
const TWO_TO_64 = 1n << 64n;
export const MAX_U64 = TWO_TO_64 - 1n;
export const UINT32_MAX = 0xffff_ffff;
/** Exptimes up to 30 days are relative; larger ones are Unix times (memcached's realtime()). */
export const REALTIME_MAXDELTA = 60 * 60 * 24 * 30;

/** What strtol/strtoull found: a sign and a magnitude (a bigint only when it is large). */
interface Decimal {
  negative: boolean;
  magnitude: number | bigint;
}

function isDigit(byte: number | undefined): boolean {
  return byte !== undefined && byte >= ZERO && byte <= NINE;
}

/** C's isspace: space, \t, \n, \v, \f, \r. */
function isSpace(byte: number | undefined): boolean {
  return byte === SPACE || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);
}

function digitsText(token: Uint8Array, from: number, to: number): string {
  let text = "";
  for (let index = from; index < to; index++) text += String.fromCharCode(token[index] as number);
  return text;
}

/** The number in a token as strtol/strtoull see it; undefined if there is none. */
function readDecimal(token: Uint8Array): Decimal | undefined {
  let index = 0;
  while (isSpace(token[index])) index++;
  const negative = token[index] === MINUS;
  if (negative || token[index] === PLUS) index++;
  const digitsStart = index;
  while (isDigit(token[index])) index++;
  if (index === digitsStart) return undefined;
  if (index < token.length && !isSpace(token[index])) return undefined;
  let significant = digitsStart;
  while (significant < index - 1 && token[significant] === ZERO) significant++;
  const digits = index - significant;
  if (digits > MAX_DIGITS) return { negative, magnitude: TWO_TO_64 };
  if (digits > EXACT_DIGITS) {
    return { negative, magnitude: BigInt(digitsText(token, significant, index)) };
  }
  let magnitude = 0;
  for (let position = significant; position < index; position++) {
    magnitude = magnitude * 10 + ((token[position] as number) - ZERO);
  }
  return { negative, magnitude };
}

/**
 * safe_strtoull (and safe_strtoul, the same on 64-bit Linux): "-n" wraps
 * modulo 2^64 as in C, and is refused only when the result looks negative.
 */
function toUnsigned64({ negative, magnitude }: Decimal): number | bigint | undefined {
  if (typeof magnitude === "number") {
    // A small negative wraps to 2^64 - n, which looks negative: refused.
    if (negative) return magnitude === 0 ? 0 : undefined;
    return magnitude;
  }
  if (magnitude >= TWO_TO_64) return undefined;
  if (!negative) return magnitude;
  const wrapped = (TWO_TO_64 - magnitude) % TWO_TO_64;
  return wrapped >= TWO_TO_63 ? undefined : wrapped;
}

/** An unsigned 64-bit decimal (delta, cas unique); undefined if memcached refuses it. */
export function parseUnsigned64(token: Uint8Array): bigint | undefined {
  const decimal = readDecimal(token);
  if (decimal === undefined) return undefined;
  const value = toUnsigned64(decimal);
  return value === undefined ? undefined : BigInt(value);
}

/** Client flags: as safe_strtoul, but only values that fit 32 bits (README: no wrapping). */
export function parseFlags(token: Uint8Array): number | undefined {
  const decimal = readDecimal(token);
  if (decimal === undefined) return undefined;
  const value = toUnsigned64(decimal);
  if (value === undefined || value > UINT32_MAX) return undefined;
  return Number(value);
}

/**
 * safe_strtoul, then stored in a uint32_t as memcached stores the ASCII
 * auth handshake's length (C truncation: 4294967303 becomes 7).
 */
export function parseUint32(token: Uint8Array): number | undefined {
  const decimal = readDecimal(token);
  if (decimal === undefined) return undefined;
  const value = toUnsigned64(decimal);
  if (value === undefined) return undefined;
  return typeof value === "number" ? value >>> 0 : Number(BigInt.asUintN(32, value));
}

/**
 * safe_strtol: a signed 64-bit decimal, then stored in an int32_t as
 * memcached stores it (C truncation: 4294967297 becomes 1). undefined when
 * strtol would report ERANGE or finds no number.
 */
export function parseInt32(token: Uint8Array): number | undefined {
  const decimal = readDecimal(token);
  if (decimal === undefined) return undefined;
  const { negative, magnitude } = decimal;
  if (typeof magnitude === "number") return (negative ? -magnitude : magnitude) | 0;
  if (magnitude > (negative ? TWO_TO_63 : TWO_TO_63 - 1n)) return undefined;
  return Number(BigInt.asIntN(32, negative ? -magnitude : magnitude));
}

/**
 * Reads a stored value the way memcached's incr/decr does (safe_strtoull
 * over the value as a C string, so a NUL byte ends it). As in C, "-n" wraps
 * modulo 2^64; memcached then refuses a result of 2^63 or more if the text
 * holds a minus sign anywhere. 2^64 or more is never a number.
 */
export function parseStoredNumber(stored: Uint8Array): bigint | undefined {
  const nul = stored.indexOf(0);
  const value = nul === -1 ? stored : stored.subarray(0, nul);
  const decimal = readDecimal(value);
  if (decimal === undefined) return undefined;
  const magnitude = BigInt(decimal.magnitude);
  if (magnitude > MAX_U64) return undefined;
  const number = decimal.negative ? -magnitude & MAX_U64 : magnitude;
  if (number >= TWO_TO_63 && value.includes(MINUS)) return undefined;
  return number;
}

export type DeltaDirection = "incr" | "decr";

/** incr wraps at 2^64; decr stops at 0 (memcached's do_add_delta). */
export function applyDelta(number: bigint, delta: bigint, direction: DeltaDirection): bigint {
  if (direction === "incr") return (number + delta) & MAX_U64;
  return number > delta ? number - delta : 0n;
}

/**
 * The text incr/decr stores: the new number, padded with spaces to the old
 * length when shorter, as memcached's in-place update leaves it.
 */
export function formatDeltaResult(result: bigint, oldLength: number): string {
  const digits = result.toString();
  return digits.length < oldLength ? digits.padEnd(oldLength) : digits;
}

/**
 * A cas from the wire (unsigned 64-bit) as litecached keeps cas values: a
 * number. litecached hands out cas values counting up from 1, so a value
 * past 2^53 - 1 belongs to no item: it becomes -1, which matches none.
 */
export function toCas(value: bigint): number {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : NO_SUCH_CAS;
}

/** A cas no item has. */
export const NO_SUCH_CAS = -1;

/**
 * Seconds until a flush takes effect, as memcached times it (flush_all's
 * and the binary Flush's exptime). Its realtime() reads an exptime over 30
 * days as a Unix time, not a delay (a time already past means now;
 * memcached ignores one from before its own start, which a restartable
 * server has no use for). It then flushes everything stored up to one
 * second before that time, so a delay of 1 empties the cache at once.
 */
export function flushDelaySeconds(exptime: number, nowMs: number): number {
  if (exptime <= 0) return 0;
  const seconds = exptime <= REALTIME_MAXDELTA ? exptime : exptime - Math.floor(nowMs / 1000);
  return Math.max(0, seconds - 1);
}
