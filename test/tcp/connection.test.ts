/**
 * The Connection's contract with protocol front ends, in process: the
 * first byte a client sends picks its session, which then gets every later
 * byte; a session that says "close" is closed once its replies are sent.
 * (A "full" session, paused until its client reads, is tested through the
 * text protocol in test/hardening/slow-readers.test.ts.)
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { Magic } from "../../src/protocol/binary/constants.ts";
import type { ReplyBuffer } from "../../src/protocol/reply-buffer.ts";
import type { ProtocolSession, SessionState } from "../../src/protocol/session.ts";
import type { SessionFactory } from "../../src/tcp/connection.ts";
import { MemcachedServer } from "../../src/tcp/server.ts";
import { TEST_SETTINGS, TemporaryCores } from "../support/core.ts";
import { TestClient } from "../support/test-client.ts";

const cores = new TemporaryCores("litecached-tcp-");
const running: Array<{ server: MemcachedServer; client?: TestClient }> = [];

/** A session that answers each chunk with "<name>:<chunk length>;", or closes on "!". */
class EchoSession implements ProtocolSession {
  private chunks: Uint8Array[] = [];
  constructor(private readonly name: string) {}

  push(chunk: Uint8Array): void {
    this.chunks.push(chunk.slice());
  }

  run(out: ReplyBuffer, limit: number): SessionState {
    while (this.chunks.length > 0) {
      if (out.byteLength >= limit) return "full";
      const chunk = this.chunks.shift() as Uint8Array;
      if (chunk.includes(0x21)) return "close";
      out.writeAscii(`${this.name}:${chunk.length};`);
    }
    return "idle";
  }

  commitFailureReply(): Uint8Array {
    return new Uint8Array(0);
  }
}

async function start(sessions: SessionFactory): Promise<TestClient> {
  const server = new MemcachedServer(cores.open(), { ...TEST_SETTINGS, sessions });
  const listener = server.listen();
  const client = await TestClient.connect(listener.port);
  running.push({ server, client });
  return client;
}

afterEach(() => {
  for (const { server, client } of running.splice(0)) {
    client?.close();
    server.shutdown();
  }
  cores.closeAll();
});

afterAll(() => cores.remove());

/** Text for every client, except binary ones (first byte 0x80). */
const byFirstByte: SessionFactory = (firstByte) =>
  new EchoSession(firstByte === Magic.REQUEST ? "binary" : "text");

describe("Connection: protocol sessions", () => {
  test("Should give a client whose first byte is 0x80 the binary session, for every later byte", async () => {
    const client = await start(byFirstByte);
    await client.send(new Uint8Array([Magic.REQUEST, 1, 2]));
    expect(await client.readUntil(";")).toBe("binary:3;");
    await client.send("abcd");
    expect(await client.readUntil(";")).toBe("binary:4;");
  });

  test("Should give any other client the text session", async () => {
    const client = await start(byFirstByte);
    await client.send("version\r\n");
    expect(await client.readUntil(";")).toBe("text:9;");
  });

  test("Should close the connection once a session asks to, after its replies", async () => {
    const client = await start(byFirstByte);
    await client.send("ab");
    expect(await client.readUntil(";")).toBe("text:2;");
    await client.send("!");
    expect(await client.waitForClose()).toBe(true);
  });
});
