/**
 * Repeated authentication failures from one address, against the real
 * litecached process: after MAX_FAILURES wrong passwords the connection is
 * closed, and the address is then refused on both ports (memcached
 * connections closed unanswered, the monitor 429) even with the right
 * password, until the window passes. One server of its own: the lockout
 * covers every client of this test process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MAX_FAILURES } from "../../src/auth/failure-limiter.ts";
import { Opcode } from "../../src/protocol/binary/constants.ts";
import { BinaryConversation } from "../support/binary-conversation.ts";
import { request } from "../support/binary-frames.ts";
import { type RunningServer, startServer, temporaryFile } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const USER = "guarded";
const PASSWORD = "right-password";
const handshake = (password: string) =>
  `set auth 0 0 ${USER.length + 1 + password.length}\r\n${USER} ${password}\r\n`;

let server: RunningServer;

beforeAll(async () => {
  const authFile = temporaryFile("auth", `${USER}:${PASSWORD}\n`);
  server = await startServer({ extraArgs: ["--auth-file", authFile] });
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe("Repeated authentication failures", () => {
  test("Should allow the right password before the limit", async () => {
    const client = await TestClient.connect(server.port);
    try {
      expect(await client.call(handshake(PASSWORD))).toBe("STORED");
    } finally {
      client.close();
    }
  });

  test("Should close the connection at the failure that reaches the limit", async () => {
    const client = await TestClient.connect(server.port);
    try {
      for (let attempt = 1; attempt < MAX_FAILURES; attempt++) {
        expect(await client.call(handshake(`wrong-${attempt}`))).toBe(
          "CLIENT_ERROR authentication failure",
        );
      }
      expect(await client.call(handshake("wrong-last"))).toBe(
        "CLIENT_ERROR authentication failure",
      );
      expect(await client.waitForClose()).toBe(true);
    } finally {
      client.close();
    }
  });

  test("Should then close new text connections unanswered, even with the right password", async () => {
    const client = await TestClient.connect(server.port);
    try {
      await client.send(handshake(PASSWORD)).catch(() => {});
      expect(await client.waitForClose()).toBe(true);
      expect(client.take()).toBe("");
    } finally {
      client.close();
    }
  });

  test("Should close new binary connections unanswered too", async () => {
    const conversation = await BinaryConversation.open(server.port);
    try {
      await conversation.write(
        request({ opcode: Opcode.SASL_AUTH, key: "PLAIN", value: `\0${USER}\0${PASSWORD}` }),
      );
      const received = await conversation.readUntil(() => false, 5000, 10_000);
      expect(received.length).toBe(0);
      expect(conversation.closed).toBe(true);
    } finally {
      conversation.close();
    }
  });

  test("Should answer the monitor 429 for that address, with the right password", async () => {
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/api/stats`, {
      headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}` },
    });
    expect(response.status).toBe(429);
    expect((await fetch(`http://127.0.0.1:${server.httpPort}/healthz`)).status).toBe(200);
  });
});
