import { describe, expect, test } from "bun:test";
import {
  compareKeys,
  decodeKey,
  encodeKey,
  KeyDecodeError,
  keyLabel,
  startsWith,
} from "../../client/shared/key-codec.ts";

const bytes = (...values: number[]) => Uint8Array.from(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe("encodeKey and decodeKey", () => {
  test("Should round-trip every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, index) => index);
    expect(decodeKey(encodeKey(all))).toEqual(all);
  });

  test("Should leave letters, digits and a few safe marks as they are", () => {
    expect(encodeKey(utf8("user:1001.profile_v2-x~"))).toBe("user:1001.profile_v2-x~");
  });

  test("Should percent-encode separators, markup and non-ASCII bytes in upper-case hex", () => {
    expect(encodeKey(utf8("a/b?c#d&e=f+g%h <i>"))).toBe("a%2Fb%3Fc%23d%26e%3Df%2Bg%25h%20%3Ci%3E");
    expect(encodeKey(bytes(0x00, 0xff, 0x80))).toBe("%00%FF%80");
  });

  test("Should decode bytes that are not UTF-8 without replacing them", () => {
    expect(decodeKey("%FF%FE%00a")).toEqual(bytes(0xff, 0xfe, 0x00, 0x61));
  });

  test("Should decode lower-case hex and literal non-ASCII characters as UTF-8", () => {
    expect(decodeKey("%c3%a9")).toEqual(utf8("é"));
    expect(decodeKey("é")).toEqual(utf8("é"));
  });

  test("Should read + as a space only when asked to (form query strings)", () => {
    expect(decodeKey("a+b")).toEqual(utf8("a+b"));
    expect(decodeKey("a+b", { plusIsSpace: true })).toEqual(utf8("a b"));
    expect(decodeKey("a%2Bb", { plusIsSpace: true })).toEqual(utf8("a+b"));
  });

  test("Should refuse a percent sign not followed by two hex digits", () => {
    for (const text of ["%", "%4", "%zz", "a%g0"]) {
      expect(() => decodeKey(text)).toThrow(KeyDecodeError);
    }
  });
});

describe("keyLabel", () => {
  test("Should show valid UTF-8 as itself", () => {
    expect(keyLabel(utf8("café:☕"))).toBe("café:☕");
  });

  test("Should show invalid bytes and control characters as \\xNN", () => {
    expect(keyLabel(bytes(0x61, 0xff, 0x62, 0x00, 0x0a))).toBe("a\\xFFb\\x00\\x0A");
  });

  test("Should keep valid characters around invalid bytes", () => {
    expect(keyLabel(bytes(0xe2, 0x98, 0x95, 0xc3))).toBe("☕\\xC3");
  });
});

describe("compareKeys and startsWith", () => {
  test("Should order keys byte by byte, a prefix first", () => {
    expect(compareKeys(bytes(1, 2), bytes(1, 3))).toBeLessThan(0);
    expect(compareKeys(bytes(1), bytes(1, 0))).toBeLessThan(0);
    expect(compareKeys(bytes(0xff), bytes(0x7f, 0xff))).toBeGreaterThan(0);
    expect(compareKeys(bytes(5, 5), bytes(5, 5))).toBe(0);
  });

  test("Should tell whether a key starts with a prefix", () => {
    expect(startsWith(utf8("user:1"), utf8("user:"))).toBe(true);
    expect(startsWith(utf8("user"), utf8("user:"))).toBe(false);
    expect(startsWith(utf8("x"), new Uint8Array(0))).toBe(true);
  });
});
