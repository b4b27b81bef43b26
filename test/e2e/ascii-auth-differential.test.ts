/**
 * memcached 1.6's ASCII authentication, byte for byte: every case is sent
 * on a fresh connection to Debian's memcached started with `-Y <file>` and
 * to litecached started with `--auth-file <file>` (the same file), and the
 * replies, with closes, must be identical. A case's reply is complete when
 * the server closes or nothing more arrives for QUIET_MS.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_FAILURES } from "../../src/auth/failure-limiter.ts";
import { concatBytes } from "../support/bytes.ts";
import { type RunningMemcached, startMemcached } from "../support/memcached.ts";
import { type RunningServer, startServer, temporaryDirectory } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const AUTH_FILE = "foo:bar\nbaaaz:quux\n";
const QUIET_MS = 600;
const CASE_TIMEOUT_MS = 20_000;

interface AuthCase {
  name: string;
  /** Sent in order, each part as its own write (a split handshake). */
  parts: Array<string | Uint8Array>;
}

const a = (count: number) => "a".repeat(count);

export const ASCII_AUTH_CASES: readonly AuthCase[] = [
  { name: "a read before authenticating", parts: ["get foo\r\n"] },
  { name: "a write whose data is not user and password", parts: ["set foo 0 0 2\r\nhi\r\n"] },
  { name: "a wrong password", parts: ["set foo 0 0 7\r\nfoo bab\r\n"] },
  { name: "a wrong user", parts: ["set foo 0 0 7\r\nfob bar\r\n"] },
  {
    name: "the handshake, then ordinary commands",
    parts: ["set foo 0 0 7\r\nfoo bar\r\nset toast 0 0 2\r\nhi\r\nget toast\r\nget foo\r\n"],
  },
  {
    name: "the second user",
    parts: ["set foo 0 0 10\r\nbaaaz quux\r\nset toast2 0 0 2\r\nho\r\nget toast2\r\n"],
  },
  {
    name: "the first user's name with the second's password",
    parts: ["set x 0 0 8\r\nfoo quux\r\n"],
  },
  {
    name: "the handshake split at every part",
    parts: ["se", "t x 0 0 7", "\r", "\nfoo b", "ar\r", "\n", "version\r\n"],
  },
  {
    name: "a handshake with noreply, still answered",
    parts: ["set x 0 0 7 noreply\r\nfoo bar\r\nget x\r\n"],
  },
  { name: "data longer than its length", parts: ["set x 0 0 7\r\nfoo barX\r\n"] },
  { name: "data not ended by \\r\\n", parts: ["set x 0 0 7\r\nfoo barXX"] },
  { name: "a negative length", parts: ["set x 0 0 -1\r\n"] },
  { name: "a length with a plus sign", parts: ["set x 0 0 +7\r\nfoo bar\r\n"] },
  { name: "a length beyond 32 bits", parts: ["set x 0 0 4294967303\r\nfoo bar\r\n"] },
  { name: "a length that is not a number", parts: ["set x 0 0 seven\r\nfoo bar\r\n"] },
  { name: "a bare \\n after the set line", parts: ["set x 0 0 7\nfoo bar\r\nversion\r\n"] },
  { name: "double spaces in the set line and the data", parts: ["set  x 0 0 7 \r\nfoo  bar\r\n"] },
  { name: "a third word after the password", parts: ["set x 0 0 11\r\nfoo bar baz\r\n"] },
  { name: "leading and trailing spaces around the words", parts: ["set x 0 0 9\r\n foo bar \r\n"] },
  { name: "only a user", parts: ["set x 0 0 3\r\nfoo\r\n"] },
  { name: "user:password instead of user password", parts: ["set x 0 0 7\r\nfoo:bar\r\n"] },
  { name: "empty data", parts: ["set x 0 0 0\r\n\r\n"] },
  { name: "a NUL inside the data", parts: ["set x 0 0 7\r\nfoo\0bar\r\n"] },
  { name: "a set line with four tokens", parts: ["set x 0 0\r\n"] },
  { name: "SET in capitals", parts: ["SET x 0 0 7\r\nfoo bar\r\n"] },
  { name: "add instead of set", parts: ["add x 0 0 7\r\nfoo bar\r\n"] },
  { name: "an empty line", parts: ["\r\n"] },
  { name: "quit before authenticating", parts: ["quit\r\n"] },
  { name: "meta commands before authenticating", parts: ["mg foo v\r\nmn\r\n"] },
  { name: "several commands before authenticating", parts: ["version\r\nstats\r\nflush_all\r\n"] },
  {
    name: "a failure, then success on the same connection",
    parts: ["set x 0 0 7\r\nfoo baz\r\nset x 0 0 7\r\nfoo bar\r\nget x\r\n"],
  },
  { name: "2048 bytes without a newline", parts: [a(2048)] },
  { name: "2049 bytes without a newline", parts: [a(2049)] },
  { name: "data larger than the read buffer", parts: [`set x 0 0 20000\r\n${a(20000)}\r\n`] },
  { name: "data that just fits the read buffer", parts: [`set x 0 0 16000\r\n${a(16000)}\r\n`] },
];

let memcached: RunningMemcached;
let litecached: RunningServer;

beforeAll(async () => {
  const folder = temporaryDirectory();
  const authFile = join(folder, "auth");
  writeFileSync(authFile, AUTH_FILE);
  [memcached, litecached] = await Promise.all([
    startMemcached({ extraArgs: ["-Y", authFile] }),
    startServer({ extraArgs: ["--auth-file", authFile] }),
  ]);
});

afterAll(async () => {
  await memcached?.stop();
  expect(await litecached?.stop()).toBe(0);
});

/** Sends the parts and reads everything until the server closes or goes quiet. */
async function converse(port: number, authCase: AuthCase): Promise<string> {
  const client = await TestClient.connect(port);
  try {
    for (const part of authCase.parts) {
      await client.send(concatBytes(part)).catch(() => {});
      // Let each part arrive on its own, as a slow client's would.
      if (authCase.parts.length > 1) await Bun.sleep(20);
    }
    const deadline = Date.now() + CASE_TIMEOUT_MS;
    while (!client.closed && Date.now() < deadline) {
      if (!(await client.waitForActivity(QUIET_MS))) break;
    }
    return client.take() + (client.closed ? "<closed>" : "");
  } finally {
    client.close();
  }
}

describe("ASCII authentication compared with memcached -Y", () => {
  test("Should keep the failing cases below the lockout, which memcached does not have", () => {
    const failing = ASCII_AUTH_CASES.filter(({ parts }) =>
      /fob|bab|baz\r|foo quux/.test(parts.join("")),
    );
    expect(failing.length).toBeLessThan(MAX_FAILURES);
  });

  test(
    "Should answer every case as memcached does, byte for byte",
    async () => {
      const outcomes = await Promise.all(
        ASCII_AUTH_CASES.map(async (authCase) => {
          const [expected, actual] = await Promise.all([
            converse(memcached.port, authCase),
            converse(litecached.port, authCase),
          ]);
          return { name: authCase.name, expected, actual };
        }),
      );
      const differences = outcomes.filter(({ expected, actual }) => expected !== actual);
      expect(differences).toEqual([]);
      // Not a comparison of two silences: most cases have a reply.
      expect(
        outcomes.filter(({ expected }) => expected.includes("CLIENT_ERROR")).length,
      ).toBeGreaterThan(20);
    },
    CASE_TIMEOUT_MS * 2,
  );

  test("Should make every connection authenticate on its own", async () => {
    for (const port of [memcached.port, litecached.port]) {
      const first = await TestClient.connect(port);
      const second = await TestClient.connect(port);
      try {
        expect(await first.call("set a 0 0 7\r\nfoo bar\r\n")).toBe("STORED");
        expect(await first.call("set shared 0 0 1\r\n1\r\n")).toBe("STORED");
        expect(await second.call("get shared\r\n")).toBe("CLIENT_ERROR unauthenticated");
      } finally {
        first.close();
        second.close();
      }
    }
  });

  test("Should count attempts and failures in auth_cmds and auth_errors, as memcached", async () => {
    const counts = async (port: number) => {
      const client = await TestClient.connect(port);
      try {
        await client.call("set a 0 0 7\r\nfoo bar\r\n");
        const stats = await client.stats();
        return [stats.get("auth_cmds"), stats.get("auth_errors")];
      } finally {
        client.close();
      }
    };
    // Both servers saw the same cases, so the same attempts.
    expect(await counts(litecached.port)).toEqual(await counts(memcached.port));
  });
});
