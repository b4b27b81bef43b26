/**
 * Base64 for meta keys (`b` flag), as memcached's base64.c does it: the
 * standard alphabet with padding; decoding skips bytes outside the
 * alphabet, and fails (undefined) unless the rest is a whole number of
 * 4-character blocks with valid padding.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PAD = 0x3d;
const SKIPPED = 0x80;
/** memcached's dtable: each byte's 6-bit value, '=' as 0, everything else skipped. */
const DECODE_TABLE = (() => {
  const table = new Uint8Array(256).fill(SKIPPED);
  for (let index = 0; index < ALPHABET.length; index++) table[ALPHABET.charCodeAt(index)] = index;
  table[PAD] = 0;
  return table;
})();

export function decodeBase64(source: Uint8Array): Uint8Array | undefined {
  let count = 0;
  for (const byte of source) if (DECODE_TABLE[byte] !== SKIPPED) count++;
  if (count === 0 || count % 4 !== 0) return undefined;
  const out = new Uint8Array((count / 4) * 3);
  const block = [0, 0, 0, 0];
  let filled = 0;
  let pad = 0;
  let position = 0;
  for (const byte of source) {
    const value = DECODE_TABLE[byte] as number;
    if (value === SKIPPED) continue;
    if (byte === PAD) pad++;
    block[filled++] = value;
    if (filled < 4) continue;
    const [a, b, c, d] = block as [number, number, number, number];
    out[position++] = ((a << 2) | (b >> 4)) & 0xff;
    out[position++] = ((b << 4) | (c >> 2)) & 0xff;
    out[position++] = ((c << 6) | d) & 0xff;
    filled = 0;
    if (pad > 0) {
      if (pad > 2) return undefined;
      position -= pad;
      break;
    }
  }
  return position === 0 ? undefined : out.subarray(0, position);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
