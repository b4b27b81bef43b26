/**
 * Bytes and strings in tests, one character per byte (Latin-1): "\xff" is
 * the byte 0xff, so any key, value or reply survives as a readable string.
 */

/** Characters above U+00FF keep only their low byte, as Buffer's "latin1" does. */
export function latin1Bytes(text: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(text, "latin1"));
}

/**
 * Not TextDecoder("latin1"): the Encoding standard maps that label to
 * windows-1252, which changes bytes 0x80-0x9f and would not round-trip.
 */
export function latin1Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** One new array holding every part in order; strings count as Latin-1. */
export function concatBytes(...parts: Array<Uint8Array | string>): Uint8Array<ArrayBuffer> {
  const encoded = parts.map((part) => (typeof part === "string" ? latin1Bytes(part) : part));
  const joined = new Uint8Array(encoded.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of encoded) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
