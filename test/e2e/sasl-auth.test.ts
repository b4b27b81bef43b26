/**
 * SASL PLAIN on the binary protocol against the real litecached process
 * started with --auth-file: memjs and Ruby's Dalli (which authenticate with a username and
 * password as memcached -S expects) and hand-built frames for the exact
 * statuses: "Auth failure." (0x20) for a wrong password, for an
 * unauthenticated command (which also closes), "continue" (0x21) for a
 * PLAIN auth that sends its data in a step.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import memjs from "memjs";
import { Opcode, Status } from "../../src/protocol/binary/constants.ts";
import { BinaryConversation } from "../support/binary-conversation.ts";
import { get, noop, parseResponses, request, set, simple } from "../support/binary-frames.ts";
import { concatBytes } from "../support/bytes.ts";
import { runClientScript } from "../support/client-scripts.ts";
import { type RunningServer, startServer, temporaryFile } from "../support/server.ts";

const USER = "reader";
const PASSWORD = "s3cret pass";
const QUIET_MS = 2000;
const TIMEOUT_MS = 10_000;

let server: RunningServer;

beforeAll(async () => {
  const authFile = temporaryFile("auth", `${USER}:${PASSWORD}\nother:pw\n`);
  server = await startServer({ extraArgs: ["--auth-file", authFile] });
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

function memjsClient(credentials: { username?: string; password?: string }): memjs.Client {
  return memjs.Client.create(`127.0.0.1:${server.port}`, {
    ...credentials,
    retries: 0,
    timeout: 5,
    logger: { log: () => {} },
  });
}

/** Waits for the server to close the connection; false if it stays open. */
async function closedByServer(conversation: BinaryConversation): Promise<boolean> {
  while (!conversation.closed) {
    if (!(await conversation.waitForActivity(TIMEOUT_MS))) return false;
    conversation.take();
  }
  return true;
}

const plain = (user: string, password: string, authorizationId = "") =>
  `${authorizationId}\0${user}\0${password}`;
const saslAuth = (data: string, mechanism = "PLAIN", opaque = 0) =>
  request({ opcode: Opcode.SASL_AUTH, key: mechanism, value: data, opaque });

async function exchange(conversation: BinaryConversation, bytes: Uint8Array, frames = 1) {
  await conversation.write(bytes);
  const received = await conversation.readUntil(
    () => parseResponses(conversation.peek()).frames.length >= frames,
    QUIET_MS,
    TIMEOUT_MS,
  );
  return parseResponses(received).frames;
}

describe("memjs with SASL", () => {
  test("Should store and read with the right username and password", async () => {
    const client = memjsClient({ username: USER, password: PASSWORD });
    try {
      expect(await client.set("sasl:key", "value", {})).toBe(true);
      expect((await client.get("sasl:key")).value?.toString()).toBe("value");
    } finally {
      client.close();
    }
  });

  test("Should fail with a wrong password", async () => {
    const client = memjsClient({ username: USER, password: "wrong" });
    try {
      await expect(client.get("sasl:key")).rejects.toThrow(/authentication failed/);
    } finally {
      client.close();
    }
  });

  test("Should fail without credentials", async () => {
    const client = memjsClient({});
    try {
      await expect(client.get("sasl:key")).rejects.toThrow(/authentication failed/);
    } finally {
      client.close();
    }
  });
});

describe("SASL frames", () => {
  test("Should list PLAIN as the only mechanism", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      const [reply] = await exchange(conversation, simple(Opcode.SASL_LIST_MECHS, 7));
      expect(reply).toMatchObject({
        opcode: Opcode.SASL_LIST_MECHS,
        status: 0,
        opaque: 7,
        value: "PLAIN",
      });
    } finally {
      conversation.close();
    }
  });

  test("Should refuse an unauthenticated command with Auth failure, and close", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      const [reply] = await exchange(conversation, get("sasl:key", 9));
      expect(reply).toMatchObject({ status: Status.AUTH_ERROR, opaque: 9, value: "Auth failure." });
      expect(await closedByServer(conversation)).toBe(true);
    } finally {
      conversation.close();
    }
  });

  test("Should answer Version before authentication, as memcached", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      const [reply] = await exchange(conversation, simple(Opcode.VERSION));
      expect(reply).toMatchObject({ status: 0, value: "1.6.18" });
    } finally {
      conversation.close();
    }
  });

  test("Should answer a wrong password Auth failure, keep the connection, then accept the right one", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      const [refused] = await exchange(conversation, saslAuth(plain(USER, "nope"), "PLAIN", 1));
      expect(refused).toMatchObject({
        status: Status.AUTH_ERROR,
        opaque: 1,
        value: "Auth failure.",
      });
      const [accepted] = await exchange(conversation, saslAuth(plain(USER, PASSWORD), "PLAIN", 2));
      expect(accepted).toMatchObject({ status: 0, opaque: 2, value: "Authenticated" });
      const replies = await exchange(
        conversation,
        concatBytes(set("sasl:raw", "v"), get("sasl:raw", 3)),
        2,
      );
      expect(replies.map(({ status }) => status)).toEqual([0, 0]);
      expect(replies[1]).toMatchObject({ opaque: 3, value: "v" });
    } finally {
      conversation.close();
    }
  });

  test("Should take an authentication pipelined with the commands after it", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      const replies = await exchange(
        conversation,
        concatBytes(saslAuth(plain(USER, PASSWORD)), get("sasl:raw", 4), noop(5)),
        3,
      );
      expect(replies.map(({ status, opaque }) => [status, opaque])).toEqual([
        [0, 0],
        [0, 4],
        [0, 5],
      ]);
    } finally {
      conversation.close();
    }
  });

  test("Should ask for PLAIN's data with continue when the auth has none, and take it in a step", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      const [asked] = await exchange(conversation, saslAuth(""));
      expect(asked).toMatchObject({ status: Status.AUTH_CONTINUE, value: "" });
      const step = request({
        opcode: Opcode.SASL_STEP,
        key: "PLAIN",
        value: plain(USER, PASSWORD),
      });
      const [accepted] = await exchange(conversation, step);
      expect(accepted).toMatchObject({
        opcode: Opcode.SASL_STEP,
        status: 0,
        value: "Authenticated",
      });
    } finally {
      conversation.close();
    }
  });

  test("Should refuse another mechanism, a step without an auth, and another user's authorization id", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      const replies = await exchange(
        conversation,
        concatBytes(
          saslAuth(plain(USER, PASSWORD), "CRAM-MD5"),
          request({ opcode: Opcode.SASL_STEP, key: "PLAIN", value: plain(USER, PASSWORD) }),
          saslAuth(plain(USER, PASSWORD, "other")),
          saslAuth(plain(USER, PASSWORD, USER), "PLAIN", 8),
        ),
        4,
      );
      expect(replies.map(({ status }) => status)).toEqual([
        Status.AUTH_ERROR,
        Status.AUTH_ERROR,
        Status.AUTH_ERROR,
        0,
      ]);
    } finally {
      conversation.close();
    }
  });

  test("Should count SASL attempts and failures in auth_cmds and auth_errors", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      await exchange(conversation, saslAuth(plain(USER, PASSWORD)));
      await conversation.write(simple(Opcode.STAT));
      const received = await conversation.readUntil(
        (frame) => frame.keyLength === 0,
        QUIET_MS,
        TIMEOUT_MS,
      );
      const stats = new Map(
        parseResponses(received).frames.map((frame) => [frame.key, frame.value]),
      );
      expect(Number(stats.get("auth_cmds"))).toBeGreaterThan(Number(stats.get("auth_errors")));
      expect(Number(stats.get("auth_errors"))).toBeGreaterThan(0);
    } finally {
      conversation.close();
    }
  });
});

describe("Dalli with SASL", () => {
  test("Should store and read with a username and password, and fail with a wrong one", async () => {
    const { exitCode, checks } = await runClientScript("dalli-sasl.rb", [
      String(server.port),
      USER,
      PASSWORD,
    ]);
    expect(exitCode).toBe(0);
    expect(checks).toEqual([
      ["set with the right password", true],
      ["get with the right password", "secret value"],
      ["get with a wrong password", ["Dalli::DalliError", "Error authenticating: 0x20"]],
    ]);
  }, 30_000);
});
