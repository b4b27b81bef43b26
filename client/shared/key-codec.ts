/**
 * Keys are bytes; URLs and the page are text. This module turns key bytes
 * into percent-encoded URL text and back without a lossy UTF-8 step, and
 * into a readable label for display. Shared by the server and the island,
 * so it uses no Node or Bun API.
 */

/** Bytes left as they are in an encoded key: RFC 3986 unreserved plus a few safe sub-delims. */
const PLAIN_BYTES: readonly boolean[] = (() => {
  const plain = new Array<boolean>(256).fill(false);
  const characters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:@!$*,;()";
  for (const character of characters) plain[character.charCodeAt(0)] = true;
  return plain;
})();

const HEX_DIGITS = "0123456789ABCDEF";

/** Percent-encodes every byte that is not plainly safe in a path segment and a query value. */
export function encodeKey(key: Uint8Array): string {
  let encoded = "";
  for (const byte of key) {
    if (PLAIN_BYTES[byte]) encoded += String.fromCharCode(byte);
    else encoded += `%${HEX_DIGITS[byte >> 4]}${HEX_DIGITS[byte & 0x0f]}`;
  }
  return encoded;
}

export class KeyDecodeError extends Error {
  override name = "KeyDecodeError";
}

const utf8Encoder = new TextEncoder();

/**
 * Decodes percent-encoded text to the bytes it stands for: `%XX` is one
 * byte, any other character is its UTF-8 bytes. With `plusIsSpace` (query
 * strings from HTML forms) `+` is a space. A `%` not followed by two hex
 * digits is an error, not a guess.
 */
export function decodeKey(text: string, options: { plusIsSpace?: boolean } = {}): Uint8Array {
  const bytes: number[] = [];
  let literalStart = -1;
  const flushLiteral = (end: number): void => {
    if (literalStart === -1) return;
    for (const byte of utf8Encoder.encode(text.slice(literalStart, end))) bytes.push(byte);
    literalStart = -1;
  };
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x25 /* % */) {
      flushLiteral(index);
      const high = hexValue(text.charCodeAt(index + 1));
      const low = hexValue(text.charCodeAt(index + 2));
      if (high === -1 || low === -1) {
        throw new KeyDecodeError(`bad percent-encoding at character ${index + 1}`);
      }
      bytes.push(high * 16 + low);
      index += 2;
    } else if (code === 0x2b /* + */ && options.plusIsSpace) {
      flushLiteral(index);
      bytes.push(0x20);
    } else if (literalStart === -1) {
      literalStart = index;
    }
  }
  flushLiteral(text.length);
  return Uint8Array.from(bytes);
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x41 + 10;
  if (code >= 0x61 && code <= 0x66) return code - 0x61 + 10;
  return -1;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A key as text for people: valid UTF-8 shows as itself, every other byte
 * and every control character as `\xNN`. Only for display: it is not
 * reversible, links use encodeKey.
 */
export function keyLabel(key: Uint8Array): string {
  const whole = tryUtf8(key);
  if (whole !== undefined && !hasControlCharacter(whole)) return whole;
  let label = "";
  let index = 0;
  while (index < key.length) {
    const length = utf8SequenceLength(key[index] as number);
    const character = length > 1 ? tryUtf8(key.subarray(index, index + length)) : undefined;
    if (character !== undefined && !hasControlCharacter(character)) {
      label += character;
      index += length;
      continue;
    }
    const byte = key[index] as number;
    if (byte >= 0x20 && byte < 0x7f) label += String.fromCharCode(byte);
    else label += `\\x${HEX_DIGITS[byte >> 4]}${HEX_DIGITS[byte & 0x0f]}`;
    index++;
  }
  return label;
}

function tryUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function utf8SequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** C0 controls, DEL and C1 controls: invisible or terminal-bending in a label. */
function hasControlCharacter(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}

/** Byte-wise order, the order SQLite sorts BLOB keys in. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const difference = (a[index] as number) - (b[index] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

export function startsWith(key: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > key.length) return false;
  for (let index = 0; index < prefix.length; index++) {
    if (key[index] !== prefix[index]) return false;
  }
  return true;
}
