/**
 * Raw bytes over TCP against the real litecached process: framing,
 * pipelining, binary values, connection limits and timeouts, and the
 * `stats` counters as a monitoring tool reads them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { concatBytes, latin1Bytes } from "../support/bytes.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const MIB = 1024 * 1024;

/** Reads until `expectedLength` bytes arrived (values may contain any suffix). */
async function readBytes(client: TestClient, expectedLength: number, timeoutMs = 10_000) {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const deadline = Date.now() + timeoutMs;
  while (length < expectedLength && Date.now() < deadline) {
    const chunk = client.takeBytes();
    if (chunk.length === 0) {
      if (client.closed) break;
      await Bun.sleep(2);
      continue;
    }
    chunks.push(chunk);
    length += chunk.length;
  }
  return concatBytes(...chunks);
}

async function connect(server: RunningServer): Promise<TestClient> {
  return await TestClient.connect(server.port);
}

/** One `stats` reply as a map of field to value. */
async function stats(client: TestClient, group = ""): Promise<Map<string, string>> {
  client.send(group ? `stats ${group}\r\n` : "stats\r\n");
  const reply = await client.readUntil("END\r\n");
  const fields = new Map<string, string>();
  for (const line of reply.split("\r\n")) {
    const match = /^STAT (\S+) (\S+)$/.exec(line);
    if (match) fields.set(match[1] as string, match[2] as string);
  }
  return fields;
}

function numberField(fields: Map<string, string>, name: string): number {
  const value = fields.get(name);
  if (value === undefined || !/^\d+$/.test(value)) {
    throw new Error(`stats field ${name} is ${JSON.stringify(value)}`);
  }
  return Number(value);
}

describe("raw protocol on one server", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer();
  });

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  test("Should answer 1000 pipelined commands sent in one write, in order", async () => {
    const client = await connect(server);
    let request = "";
    let expected = "";
    for (let index = 0; index < 500; index++) {
      const value = `value-${index}`;
      request += `set pipe:${index} ${index} 0 ${value.length}\r\n${value}\r\nget pipe:${index}\r\n`;
      expected += `STORED\r\nVALUE pipe:${index} ${index} ${value.length}\r\n${value}\r\nEND\r\n`;
    }
    client.send(request);
    const reply = await client.readUntil(`VALUE pipe:499 499 9\r\nvalue-499\r\nEND\r\n`);
    expect(reply).toBe(expected);
    client.close();
  });

  test("Should assemble a request sent one byte at a time with delays", async () => {
    const client = await connect(server);
    const request = "set split:key 7 0 11\r\nhello\r\nworl\r\nget split:key\r\n";
    for (const char of request) {
      client.send(char);
      await Bun.sleep(2);
    }
    expect(await client.readUntil("END\r\n")).toBe(
      "STORED\r\nVALUE split:key 7 11\r\nhello\r\nworl\r\nEND\r\n",
    );
    client.close();
  });

  test("Should keep values containing CRLF, NUL and 0xff byte-exact", async () => {
    const client = await connect(server);
    const value = latin1Bytes("\r\n\0\xff\r\nEND\r\n\xff\xfe\0");
    client.send(concatBytes(`set bin:key 0 0 ${value.length}\r\n`, value, "\r\n"));
    expect(await client.readUntil("STORED\r\n")).toBe("STORED\r\n");
    client.send("get bin:key\r\n");
    const expected = concatBytes(`VALUE bin:key 0 ${value.length}\r\n`, value, "\r\nEND\r\n");
    expect(await readBytes(client, expected.length)).toEqual(expected);
    client.close();
  });

  test("Should round-trip a 1 MiB value byte for byte", async () => {
    const client = await connect(server);
    const value = new Uint8Array(MIB);
    for (let index = 0; index < value.length; index++) value[index] = (index * 131 + 17) & 0xff;
    client.send(concatBytes(`set big:key 3 0 ${value.length}\r\n`, value, "\r\n"));
    expect(await client.readUntil("STORED\r\n", 15_000)).toBe("STORED\r\n");
    client.send("get big:key\r\n");
    const expected = concatBytes(`VALUE big:key 3 ${value.length}\r\n`, value, "\r\nEND\r\n");
    const received = await readBytes(client, expected.length, 15_000);
    expect(received.length).toBe(expected.length);
    expect(Buffer.compare(received, expected)).toBe(0);
    client.close();
  });

  test("Should refuse a value over the default 1 MiB limit and skip its data", async () => {
    const client = await connect(server);
    const value = new Uint8Array(MIB + 1).fill(0x61);
    client.send(concatBytes(`set big:over 0 0 ${value.length}\r\n`, value, "\r\n"));
    client.send("get big:over\r\n");
    expect(await client.readUntil("END\r\n", 15_000)).toBe(
      "SERVER_ERROR object too large for cache\r\nEND\r\n",
    );
    client.close();
  });

  test("Should close the connection on quit", async () => {
    const client = await connect(server);
    client.send("quit\r\n");
    expect(await client.waitForClose()).toBe(true);
    expect(client.takeBytes().length).toBe(0);
  });

  test("Should close the connection on an HTTP request", async () => {
    const client = await connect(server);
    client.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    expect(await client.waitForClose()).toBe(true);
    expect(client.takeBytes().length).toBe(0);
  });

  test("Should let exactly one of two racing cas commands win", async () => {
    for (let round = 0; round < 20; round++) {
      const key = `race:${round}`;
      const [first, second] = await Promise.all([connect(server), connect(server)]);
      first.send(`set ${key} 0 0 4\r\nbase\r\n`);
      await first.readUntil("STORED\r\n");
      first.send(`gets ${key}\r\n`);
      second.send(`gets ${key}\r\n`);
      const [firstGets, secondGets] = await Promise.all([
        first.readUntil("END\r\n"),
        second.readUntil("END\r\n"),
      ]);
      const cas = /VALUE \S+ 0 4 (\d+)\r\n/.exec(firstGets)?.[1];
      expect(cas).toBeDefined();
      expect(secondGets).toBe(firstGets);
      first.send(`cas ${key} 0 0 5 ${cas}\r\nfirst\r\n`);
      second.send(`cas ${key} 0 0 6 ${cas}\r\nsecond\r\n`);
      const replies = await Promise.all([first.readUntil("\r\n"), second.readUntil("\r\n")]);
      expect([...replies].sort()).toEqual(["EXISTS\r\n", "STORED\r\n"]);
      const winner = replies[0] === "STORED\r\n" ? "first" : "second";
      first.send(`get ${key}\r\n`);
      expect(await first.readUntil("END\r\n")).toBe(
        `VALUE ${key} 0 ${winner.length}\r\n${winner}\r\nEND\r\n`,
      );
      first.close();
      second.close();
    }
  });
});

describe("stats", () => {
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer({ extraArgs: ["--max-conns", "50", "--max-item-size", "2m"] });
  });

  afterAll(async () => {
    expect(await server?.stop()).toBe(0);
  });

  test("Should count items, bytes, gets and hits as they happen", async () => {
    const client = await connect(server);
    const before = await stats(client);
    expect(numberField(before, "curr_items")).toBe(0);
    expect(numberField(before, "bytes")).toBe(0);
    client.send("set st:a 0 0 5\r\nhello\r\nset st:b 0 0 3\r\nabc\r\n");
    await client.readUntil("STORED\r\nSTORED\r\n");
    client.send("get st:a st:b st:missing\r\nget st:a\r\n");
    await client.readUntil("END\r\nVALUE st:a 0 5\r\nhello\r\nEND\r\n");
    const after = await stats(client);
    expect(numberField(after, "curr_items")).toBe(2);
    const itemBytes = numberField(after, "bytes");
    expect(itemBytes).toBeGreaterThanOrEqual(5 + 3);
    expect(numberField(after, "cmd_get") - numberField(before, "cmd_get")).toBe(4);
    expect(numberField(after, "get_hits") - numberField(before, "get_hits")).toBe(3);
    expect(numberField(after, "get_misses") - numberField(before, "get_misses")).toBe(1);
    expect(numberField(after, "cmd_set") - numberField(before, "cmd_set")).toBe(2);
    expect(numberField(after, "total_items") - numberField(before, "total_items")).toBe(2);

    client.send("delete st:a\r\n");
    await client.readUntil("DELETED\r\n");
    const afterDelete = await stats(client);
    expect(numberField(afterDelete, "curr_items")).toBe(1);
    expect(numberField(afterDelete, "bytes")).toBeLessThan(itemBytes);
    expect(numberField(afterDelete, "delete_hits")).toBe(1);
    client.close();
  });

  test("Should count current and total connections", async () => {
    const observer = await connect(server);
    const before = await stats(observer);
    const extra = await Promise.all([connect(server), connect(server), connect(server)]);
    // Make sure the server has accepted all three before asking.
    for (const client of extra) {
      client.send("version\r\n");
      await client.readUntil("\r\n");
    }
    const during = await stats(observer);
    expect(numberField(during, "curr_connections")).toBe(
      numberField(before, "curr_connections") + 3,
    );
    expect(numberField(during, "total_connections")).toBe(
      numberField(before, "total_connections") + 3,
    );
    for (const client of extra) client.close();
    await Promise.all(extra.map((client) => client.waitForClose()));
    const deadline = Date.now() + 5000;
    let after = await stats(observer);
    while (numberField(after, "curr_connections") !== numberField(before, "curr_connections")) {
      if (Date.now() > deadline) break;
      await Bun.sleep(20);
      after = await stats(observer);
    }
    expect(numberField(after, "curr_connections")).toBe(numberField(before, "curr_connections"));
    expect(numberField(after, "total_connections")).toBe(numberField(during, "total_connections"));
    observer.close();
  });

  test("Should report uptime, pid, time and database size with real values", async () => {
    const client = await connect(server);
    const first = await stats(client);
    expect(numberField(first, "pid")).toBe(server.process.pid);
    expect(Math.abs(numberField(first, "time") - Date.now() / 1000)).toBeLessThan(5);
    const firstDatabaseBytes = numberField(first, "database_bytes");
    expect(firstDatabaseBytes).toBeGreaterThan(0);

    const value = "v".repeat(512 * 1024);
    client.send(`set st:big1 0 0 ${value.length}\r\n${value}\r\n`);
    client.send(`set st:big2 0 0 ${value.length}\r\n${value}\r\n`);
    await client.readUntil("STORED\r\nSTORED\r\n");
    await Bun.sleep(1100);
    const second = await stats(client);
    expect(numberField(second, "uptime")).toBeGreaterThan(numberField(first, "uptime"));
    expect(numberField(second, "database_bytes")).toBeGreaterThanOrEqual(
      firstDatabaseBytes + 1024 * 1024,
    );
    expect(numberField(second, "bytes")).toBeGreaterThanOrEqual(1024 * 1024);
    client.close();
  });

  test("Should zero the counters on stats reset but keep the items", async () => {
    const client = await connect(server);
    client.send("get st:b\r\nget st:nothing\r\n");
    await client.readUntil("END\r\nEND\r\n");
    const before = await stats(client);
    expect(numberField(before, "cmd_get")).toBeGreaterThan(0);
    client.send("stats reset\r\n");
    expect(await client.readUntil("RESET\r\n")).toBe("RESET\r\n");
    const after = await stats(client);
    for (const name of ["cmd_get", "get_hits", "get_misses", "cmd_set", "delete_hits"]) {
      expect(numberField(after, name)).toBe(0);
    }
    expect(numberField(after, "curr_items")).toBe(numberField(before, "curr_items"));
    expect(numberField(after, "bytes")).toBe(numberField(before, "bytes"));
    expect(numberField(after, "curr_connections")).toBe(numberField(before, "curr_connections"));
    client.close();
  });

  test("Should report the command-line settings in stats settings", async () => {
    const client = await connect(server);
    const settings = await stats(client, "settings");
    expect(settings.get("maxconns")).toBe("50");
    expect(settings.get("tcpport")).toBe(String(server.port));
    expect(settings.get("item_size_max")).toBe(String(2 * MIB));
    expect(settings.get("cas_enabled")).toBe("yes");
    client.close();
  });
});

describe("connection limits", () => {
  test("Should turn away the third connection with --max-conns 2 and keep the first two", async () => {
    const server = await startServer({ extraArgs: ["--max-conns", "2"] });
    try {
      const first = await connect(server);
      const second = await connect(server);
      for (const client of [first, second]) {
        client.send("version\r\n");
        expect(await client.readUntil("\r\n")).toStartWith("VERSION ");
      }
      const third = await connect(server);
      expect(await third.readUntil("ERROR Too many open connections\r\n")).toBe(
        "ERROR Too many open connections\r\n",
      );
      expect(await third.waitForClose()).toBe(true);

      first.send("set limit:a 0 0 1\r\n1\r\nget limit:a\r\n");
      expect(await first.readUntil("END\r\n")).toBe("STORED\r\nVALUE limit:a 0 1\r\n1\r\nEND\r\n");
      second.send("get limit:a\r\n");
      expect(await second.readUntil("END\r\n")).toBe("VALUE limit:a 0 1\r\n1\r\nEND\r\n");
      // The turned-away connection is counted as rejected, not as open.
      const counts = await stats(second);
      expect(numberField(counts, "curr_connections")).toBe(2);
      expect(numberField(counts, "rejected_connections")).toBe(1);
      expect(numberField(counts, "max_connections")).toBe(2);

      // Once one leaves, a new connection is welcome again.
      first.close();
      await first.waitForClose();
      let fourth: TestClient | undefined;
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline) {
        const candidate = await connect(server);
        candidate.send("version\r\n");
        const reply = await candidate.readUntil("\r\n");
        if (reply.startsWith("VERSION ")) {
          fourth = candidate;
          break;
        }
        await candidate.waitForClose();
        await Bun.sleep(20);
      }
      expect(fourth).toBeDefined();
      fourth?.close();
      second.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("Should close a silent connection after --idle-timeout 1", async () => {
    const server = await startServer({ extraArgs: ["--idle-timeout", "1"] });
    try {
      const silent = await connect(server);
      const chatty = await connect(server);
      const openedAt = Date.now();
      // The chatty one keeps talking every 300 ms and must stay open.
      let chattyFailures = 0;
      const timer = setInterval(async () => {
        try {
          chatty.send("version\r\n");
          await chatty.readUntil("\r\n", 1000);
        } catch {
          chattyFailures++;
        }
      }, 300);
      const closed = await silent.waitForClose(6000);
      const elapsed = Date.now() - openedAt;
      clearInterval(timer);
      expect(closed).toBe(true);
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(chatty.closed).toBe(false);
      expect(chattyFailures).toBe(0);
      chatty.close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
