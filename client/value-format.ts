/**
 * How a revealed value is shown: UTF-8 text as text, JSON re-indented,
 * anything else as a hex dump. Pure functions, so they are tested without
 * a browser.
 */

export type ValueView =
  | { kind: "text"; text: string }
  | { kind: "json"; text: string; pretty: string }
  | { kind: "binary"; dump: string };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const DELETE = 0x7f;

/** Controls other than tab, line feed and carriage return mean "not really text". */
function hasBinaryControl(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === DELETE) return true;
    if (code < 0x20 && code !== TAB && code !== LINE_FEED && code !== CARRIAGE_RETURN) return true;
  }
  return false;
}

export function describeValue(bytes: Uint8Array, maxDumpBytes = 64 * 1024): ValueView {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return { kind: "binary", dump: hexDump(bytes, maxDumpBytes) };
  }
  if (hasBinaryControl(text)) return { kind: "binary", dump: hexDump(bytes, maxDumpBytes) };
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      JSON.parse(text);
      return { kind: "json", text, pretty: prettyJson(text) };
    } catch {
      // Looks like JSON but is not: show it as it is.
    }
  }
  return { kind: "text", text };
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
const BYTES_PER_LINE = 16;

/** `offset  hex bytes (two groups of 8)  |ascii|`, like `hexdump -C`. */
export function hexDump(bytes: Uint8Array, maxBytes = 64 * 1024): string {
  const shown = Math.min(bytes.length, maxBytes);
  const lines: string[] = [];
  for (let offset = 0; offset < shown; offset += BYTES_PER_LINE) {
    let hex = "";
    let ascii = "";
    for (let column = 0; column < BYTES_PER_LINE; column++) {
      const position = offset + column;
      if (column === 8) hex += " ";
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
  if (bytes.length > shown) lines.push(`… ${bytes.length - shown} more bytes`);
  return lines.join("\n");
}

export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
