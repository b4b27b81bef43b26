/**
 * What a person types in the search box, as key bytes: spaces around it
 * are dropped (a memcached key never holds one), and the `\xNN` escapes
 * the page shows for bytes that are not text (keyLabel) stand for those
 * bytes again, so a label copied from the list finds its key.
 */
const ESCAPE = /\\x([0-9a-fA-F]{2})/g;
const encoder = new TextEncoder();

export function searchPrefix(typed: string): Uint8Array {
  const text = typed.trim();
  const bytes: number[] = [];
  let last = 0;
  for (const match of text.matchAll(ESCAPE)) {
    for (const byte of encoder.encode(text.slice(last, match.index))) bytes.push(byte);
    bytes.push(Number.parseInt(match[1] as string, 16));
    last = match.index + match[0].length;
  }
  for (const byte of encoder.encode(text.slice(last))) bytes.push(byte);
  return Uint8Array.from(bytes);
}
