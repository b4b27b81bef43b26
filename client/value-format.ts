/**
 * How a revealed value is shown: UTF-8 text as text, JSON re-indented,
 * anything else as a hex dump, also when only its first bytes were
 * fetched. Pure functions, so they are tested without a browser.
 */

export type ValueKind = "text" | "json" | "binary";

/**
 * What the viewer shows of a value. `shownBytes` counts the bytes of the
 * value that `display` stands for (a preview cut at a character boundary,
 * or the first bytes of a hex dump), so every label can say how much of
 * `size` is on screen.
 */
export interface ValueView {
  kind: ValueKind;
  /** The text to show: the value as text, JSON re-indented, or a hex dump. */
  display: string;
  /** The decoded text, for copying (text and JSON only). */
  text?: string;
  shownBytes: number;
  size: number;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const DELETE = 0x7f;
/** A hex dump line is about 80 characters per 16 bytes: past this it is too long to read. */
export const MAX_DUMP_BYTES = 64 * 1024;

/** Controls other than tab, line feed and carriage return mean "not really text". */
function hasBinaryControl(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === DELETE) return true;
    if (code < 0x20 && code !== TAB && code !== LINE_FEED && code !== CARRIAGE_RETURN) return true;
  }
  return false;
}

/**
 * The length of `bytes` without a UTF-8 sequence cut off at its end: a
 * preview stops wherever its byte limit falls, often inside a character
 * (a CJK character is 3 bytes, an emoji 4).
 */
export function characterBoundary(bytes: Uint8Array): number {
  const end = bytes.length;
  // A sequence is at most 4 bytes: look back at most 3 for its lead byte.
  for (let back = 1; back <= Math.min(3, end); back++) {
    const byte = bytes[end - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? end - back : end;
  }
  return end;
}

function looksLikeJson(text: string): boolean {
  const trimmed = text.trimStart();
  return trimmed.startsWith("{") || trimmed.startsWith("[");
}

/**
 * How to show `bytes`, the first bytes (or all) of a value of `size` bytes:
 * text stays text and JSON stays JSON when only a preview was fetched; only
 * bytes that are not UTF-8 text become a hex dump.
 */
export function describeValue(
  bytes: Uint8Array,
  size = bytes.length,
  maxDumpBytes = MAX_DUMP_BYTES,
  bytesPerLine: number = BYTES_PER_LINE,
): ValueView {
  const complete = bytes.length >= size;
  const textBytes = complete ? bytes : bytes.subarray(0, characterBoundary(bytes));
  let text: string | undefined;
  try {
    text = strictUtf8.decode(textBytes);
  } catch {
    text = undefined;
  }
  if (text === undefined || hasBinaryControl(text)) {
    const shownBytes = Math.min(bytes.length, maxDumpBytes);
    const display = hexDump(bytes, shownBytes, size, bytesPerLine);
    return { kind: "binary", display, shownBytes, size };
  }
  const shownBytes = textBytes.length;
  if (looksLikeJson(text)) {
    if (!complete) {
      // A cut JSON document cannot be parsed; re-indenting moves only whitespace, so it still can be.
      return { kind: "json", display: prettyJson(text), text, shownBytes, size };
    }
    try {
      JSON.parse(text);
      return { kind: "json", display: prettyJson(text), text, shownBytes, size };
    } catch {
      // Looks like JSON but is not: show it as it is.
    }
  }
  return { kind: "text", display: text, text, shownBytes, size };
}

/**
 * Re-indents valid JSON by moving whitespace only, never re-printing
 * numbers, so 12345678901234567890 stays exactly that (JSON.parse followed
 * by JSON.stringify would round it).
 */
export function prettyJson(json: string, indent = "  "): string {
  let output = "";
  let depth = 0;
  let index = 0;
  const newline = (): string => `\n${indent.repeat(depth)}`;
  while (index < json.length) {
    const character = json[index] as string;
    if (character === '"') {
      const end = stringEnd(json, index);
      output += json.slice(index, end);
      index = end;
      continue;
    }
    index++;
    if (character === " " || character === "\t" || character === "\n" || character === "\r") {
      continue;
    }
    if (character === "{" || character === "[") {
      const close = character === "{" ? "}" : "]";
      const next = nextSignificant(json, index);
      if (json[next] === close) {
        output += character + close;
        index = next + 1;
        continue;
      }
      depth++;
      output += character + newline();
    } else if (character === "}" || character === "]") {
      depth--;
      output += newline() + character;
    } else if (character === ",") {
      output += `,${newline()}`;
    } else if (character === ":") {
      output += ": ";
    } else {
      output += character;
    }
  }
  return output;
}

/** The index just past the string literal starting at `start`. */
function stringEnd(json: string, start: number): number {
  let index = start + 1;
  while (index < json.length && json[index] !== '"') index += json[index] === "\\" ? 2 : 1;
  return index + 1;
}

function nextSignificant(json: string, start: number): number {
  let index = start;
  while (index < json.length && /\s/.test(json[index] as string)) index++;
  return index;
}

const HEX = "0123456789abcdef";
/** hexdump -C's line; a phone's screen takes NARROW_BYTES_PER_LINE with its ASCII column still in view. */
export const BYTES_PER_LINE = 16;
export const NARROW_BYTES_PER_LINE = 8;

/**
 * `offset  hex bytes (two groups of 8)  |ascii|`, like `hexdump -C`, for the
 * first `maxBytes`; a last line says how many bytes of the whole value
 * (`size` bytes, of which `bytes` may be only the first) are not shown.
 */
export function hexDump(
  bytes: Uint8Array,
  maxBytes = MAX_DUMP_BYTES,
  size = bytes.length,
  bytesPerLine = BYTES_PER_LINE,
): string {
  const shown = Math.min(bytes.length, maxBytes);
  const lines: string[] = [];
  for (let offset = 0; offset < shown; offset += bytesPerLine) {
    let hex = "";
    let ascii = "";
    for (let column = 0; column < bytesPerLine; column++) {
      const position = offset + column;
      if (column === 8) hex += " "; // two groups of 8 on a full line
      if (position < shown) {
        const byte = bytes[position] as number;
        hex += `${HEX[byte >> 4]}${HEX[byte & 0x0f]} `;
        ascii += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : ".";
      } else {
        hex += "   ";
      }
    }
    lines.push(`${offset.toString(16).padStart(8, "0")}  ${hex} |${ascii}|`);
  }
  const rest = size - shown;
  if (rest > 0) lines.push(`… ${rest.toLocaleString("en-US")} more bytes`);
  return lines.join("\n");
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
