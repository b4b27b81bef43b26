import { describe, expect, test } from "bun:test";
import { base64ToBytes, describeValue, hexDump, prettyJson } from "../../client/value-format.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("describeValue", () => {
  test("Should show UTF-8 text as text, with tabs and newlines", () => {
    const value = utf8("héllo\n\tworld\r\n");
    expect(describeValue(value)).toEqual({
      kind: "text",
      display: "héllo\n\tworld\r\n",
      text: "héllo\n\tworld\r\n",
      shownBytes: value.length,
      size: value.length,
    });
  });

  test("Should pretty-print a JSON object or array", () => {
    expect(describeValue(utf8('{"a":[1,2],"b":{}}'))).toMatchObject({
      kind: "json",
      text: '{"a":[1,2],"b":{}}',
      display: '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}',
    });
  });

  test("Should show a bare JSON number or text that only looks like JSON as text", () => {
    expect(describeValue(utf8("42")).kind).toBe("text");
    expect(describeValue(utf8("{not json")).kind).toBe("text");
  });

  test("Should show invalid UTF-8 and control bytes as a hex dump", () => {
    expect(describeValue(Uint8Array.of(0xff, 0x00, 0x41)).kind).toBe("binary");
    expect(describeValue(utf8("abc\u0000def")).kind).toBe("binary");
    expect(describeValue(utf8("bell\u0007")).kind).toBe("binary");
  });

  test("Should keep markup in a value as plain text", () => {
    const value = "</script><img src=x onerror=alert(1)>";
    expect(describeValue(utf8(value))).toMatchObject({ kind: "text", display: value });
  });

  test("Should cut a preview of CJK text at a character boundary and keep it text", () => {
    const whole = utf8("漢字かな交じり文".repeat(1000));
    for (const cut of [3000, 3001, 3002]) {
      const view = describeValue(whole.subarray(0, cut), whole.length);
      expect(view.kind).toBe("text");
      expect(view.shownBytes).toBe(3000);
      expect(view.size).toBe(whole.length);
      expect(view.display).toBe("漢字かな交じり文".repeat(125));
    }
  });

  test("Should cut a four-byte emoji at its start, and keep a whole one", () => {
    const whole = utf8("ab😀cd");
    expect(describeValue(whole.subarray(0, 4), whole.length).shownBytes).toBe(2);
    expect(describeValue(whole.subarray(0, 6), whole.length)).toMatchObject({
      kind: "text",
      display: "ab😀",
      shownBytes: 6,
    });
  });

  test("Should keep a cut JSON preview as JSON, re-indented", () => {
    const whole = utf8(JSON.stringify({ items: Array.from({ length: 100 }, (_, id) => ({ id })) }));
    const view = describeValue(whole.subarray(0, 32), whole.length);
    expect(view.kind).toBe("json");
    // {"items":[{"id":0},{"id":1},{"id
    expect(view.display).toBe(
      '{\n  "items": [\n    {\n      "id": 0\n    },\n    {\n      "id": 1\n    },\n    {\n      "id',
    );
  });

  test("Should show a binary preview as a hex dump that counts the bytes left in the whole value", () => {
    const preview = new Uint8Array(256 * 1024).fill(0xff);
    const view = describeValue(preview, 1024 * 1024);
    expect(view.kind).toBe("binary");
    expect(view.shownBytes).toBe(64 * 1024);
    expect(view.display.split("\n")).toHaveLength(4097);
    expect(view.display.endsWith("… 983,040 more bytes")).toBe(true);
  });
});

describe("prettyJson", () => {
  test("Should keep big numbers exactly as written", () => {
    expect(prettyJson('{"id":12345678901234567890,"x":1.50e+3}')).toBe(
      '{\n  "id": 12345678901234567890,\n  "x": 1.50e+3\n}',
    );
  });

  test("Should leave braces, commas and escaped quotes inside strings alone", () => {
    expect(prettyJson('{"s":"a,{b}:[c] \\"q\\" \\\\"}')).toBe(
      '{\n  "s": "a,{b}:[c] \\"q\\" \\\\"\n}',
    );
  });

  test("Should re-indent JSON that already has whitespace", () => {
    expect(prettyJson('[ {"a" : 1} ,\n\t[ ] ]')).toBe('[\n  {\n    "a": 1\n  },\n  []\n]');
  });
});

describe("hexDump", () => {
  test("Should print offset, 16 bytes in two groups of 8, and the printable characters", () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, index) => 0x3e + index);
    expect(hexDump(bytes)).toBe(
      [
        "00000000  3e 3f 40 41 42 43 44 45  46 47 48 49 4a 4b 4c 4d  |>?@ABCDEFGHIJKLM|",
        "00000010  4e 4f 50 51                                       |NOPQ|",
      ].join("\n"),
    );
  });

  test("Should print 8 bytes a line for a narrow screen", () => {
    const bytes = Uint8Array.from({ length: 10 }, (_, index) => 0x41 + index);
    expect(hexDump(bytes, 100, 10, 8)).toBe(
      [
        "00000000  41 42 43 44 45 46 47 48  |ABCDEFGH|",
        "00000008  49 4a                    |IJ|",
      ].join("\n"),
    );
  });

  test("Should print unprintable bytes as dots", () => {
    expect(hexDump(Uint8Array.of(0x00, 0x7f, 0xff, 0x41))).toContain("|...A|");
  });

  test("Should stop at the limit and say how much is left", () => {
    const dump = hexDump(new Uint8Array(100), 32);
    expect(dump.split("\n")).toHaveLength(3);
    expect(dump.endsWith("… 68 more bytes")).toBe(true);
    expect(hexDump(new Uint8Array(100), 32, 5000).endsWith("… 4,968 more bytes")).toBe(true);
  });
});

describe("base64ToBytes", () => {
  test("Should decode every byte value", () => {
    const all = Uint8Array.from({ length: 256 }, (_, index) => index);
    expect(base64ToBytes(Buffer.from(all).toString("base64"))).toEqual(all);
  });
});
