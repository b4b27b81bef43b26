/**
 * Slow and hostile readers: a client that asks for gigabytes of replies and
 * never reads them must not grow the server's memory, must not slow other
 * clients down, and gets every byte once it reads; --idle-timeout closes
 * silent connections only.
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { latin1Text } from "../support/bytes.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";
import { residentKiB } from "./support/system.ts";

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

const BIG_VALUE_BYTES = 512 * 1024;
const PIPELINED_GETS = 2000;
const MULTIGET_KEYS = 1000;
/** How much the server's memory may grow while 1.5 GiB of replies wait: a few output caps (4 MiB). */
const RSS_GROWTH_LIMIT_KIB = 96 * 1024;

/** A client that reads nothing until told to, then only counts what arrives. */
class StalledReader {
  received = 0;
  private tail = "";
  private constructor(private readonly socket: Socket<undefined>) {}

  static async connect(port: number): Promise<StalledReader> {
    let reader: StalledReader | undefined;
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_socket, chunk) {
          reader?.count(chunk);
        },
      },
    });
    socket.pause();
    reader = new StalledReader(socket);
    return reader;
  }

  send(text: string): void {
    // The request is small enough for the kernel buffers: it is taken at once.
    expect(this.socket.write(text)).toBe(text.length);
  }

  startReading(): void {
    this.socket.resume();
  }

  endsWith(text: string): boolean {
    return this.tail.endsWith(text);
  }

  close(): void {
    this.socket.end();
  }

  private count(chunk: Uint8Array): void {
    this.received += chunk.length;
    this.tail = (this.tail + latin1Text(chunk.subarray(-16))).slice(-16);
  }
}

describe("a client that never reads its replies", () => {
  test("Should keep the server's memory bounded and other clients answered promptly", async () => {
    const server = await startServer();
    servers.push(server);
    const observer = await TestClient.connect(server.port);
    const big = new Uint8Array(BIG_VALUE_BYTES).fill(0x61);
    expect(await observer.set("big", big)).toBe("STORED");
    expect(await observer.set("small", "hello")).toBe("STORED");
    expect(await observer.get("big")).toEqual(big);
    const baselineKiB = residentKiB(server.process.pid);

    // 1 GiB of replies pipelined as 2000 gets, and 512 MiB asked for in one multiget line.
    const pipeliner = await StalledReader.connect(server.port);
    pipeliner.send("get big\r\n".repeat(PIPELINED_GETS));
    const multigetter = await StalledReader.connect(server.port);
    multigetter.send(`get${" big".repeat(MULTIGET_KEYS)}\r\n`);

    const latenciesMs: number[] = [];
    let peakKiB = baselineKiB;
    const until = Date.now() + 3_000;
    for (let round = 0; Date.now() < until; round++) {
      await Bun.sleep(50);
      const started = performance.now();
      expect(await observer.set(`during${round}`, `value ${round}`)).toBe("STORED");
      expect(new TextDecoder().decode(await observer.get("small"))).toBe("hello");
      latenciesMs.push(performance.now() - started);
      peakKiB = Math.max(peakKiB, residentKiB(server.process.pid));
    }
    latenciesMs.sort((a, b) => a - b);
    const median = latenciesMs[Math.floor(latenciesMs.length / 2)] as number;
    const worst = latenciesMs[latenciesMs.length - 1] as number;
    console.log(
      `stalled readers: RssAnon ${baselineKiB} KiB before, peak ${peakKiB} KiB with 1.5 GiB of replies asked for; ` +
        `other client: ${latenciesMs.length} set+get rounds, median ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms`,
    );
    expect(peakKiB - baselineKiB).toBeLessThan(RSS_GROWTH_LIMIT_KIB);
    expect(median).toBeLessThan(50);
    expect(worst).toBeLessThan(500);
    // The stalled clients are still connected: paused, not dropped.
    expect((await observer.stats()).get("curr_connections")).toBe("3");

    // Once they read, every reply arrives, complete and in order.
    const reply = `VALUE big 0 ${BIG_VALUE_BYTES}\r\n`.length + BIG_VALUE_BYTES + 2;
    const END = "END\r\n".length;
    pipeliner.startReading();
    multigetter.startReading();
    const expectedPipelined = PIPELINED_GETS * (reply + END);
    const expectedMultiget = MULTIGET_KEYS * reply + END;
    const deadline = Date.now() + 60_000;
    while (
      (pipeliner.received < expectedPipelined || multigetter.received < expectedMultiget) &&
      Date.now() < deadline
    ) {
      await Bun.sleep(20);
    }
    expect(pipeliner.received).toBe(expectedPipelined);
    expect(multigetter.received).toBe(expectedMultiget);
    expect(pipeliner.endsWith("\r\nEND\r\n")).toBe(true);
    expect(multigetter.endsWith("\r\nEND\r\n")).toBe(true);
    pipeliner.close();
    multigetter.close();
    observer.close();
  }, 90_000);

  test("Should answer a multiget larger than the output cap completely and in order", async () => {
    const server = await startServer();
    servers.push(server);
    const client = await TestClient.connect(server.port);
    const keys: string[] = [];
    for (let index = 0; index < 40; index++) {
      const key = `part${index}`;
      keys.push(key);
      expect(await client.set(key, new Uint8Array(256 * 1024).fill(index))).toBe("STORED");
    }
    // 10 MiB in one reply, more than twice MAX_PENDING_OUTPUT_BYTES, with misses among the hits.
    await client.send(`gets ${keys.join(" missing ")} missing\r\n`);
    const values = await client.values(30_000);
    expect([...values.keys()]).toEqual(keys);
    for (const [index, key] of keys.entries()) {
      expect(values.get(key)?.value).toEqual(new Uint8Array(256 * 1024).fill(index));
    }
    expect(await client.call("version\r\n")).toStartWith("VERSION ");
    client.close();
  });
});

describe("--idle-timeout", () => {
  test("Should close a silent connection and keep an active one", async () => {
    const server = await startServer({ extraArgs: ["--idle-timeout", "1"] });
    servers.push(server);
    const silent = await TestClient.connect(server.port);
    const halfSent = await TestClient.connect(server.port);
    const active = await TestClient.connect(server.port);
    // A request that stops halfway is silence too.
    await halfSent.send("set stuck 0 0 10\r\nabc");
    const started = Date.now();
    const silentClosed = silent.waitForClose(5_000).then((closed) => ({
      closed,
      afterMs: Date.now() - started,
    }));
    const halfSentClosed = halfSent.waitForClose(5_000);
    // One command every 300 ms for 3 s: three times the timeout, never 1 s apart.
    for (let round = 0; round < 10; round++) {
      await Bun.sleep(300);
      expect(await active.call("version\r\n")).toStartWith("VERSION ");
    }
    const { closed, afterMs } = await silentClosed;
    expect(closed).toBe(true);
    expect(afterMs).toBeGreaterThanOrEqual(900);
    expect(afterMs).toBeLessThan(3_000);
    expect(await halfSentClosed).toBe(true);
    expect(active.closed).toBe(false);
    expect(await active.get("stuck")).toBeUndefined();
    console.log(`idle timeout 1 s: silent connection closed after ${afterMs} ms`);
    active.close();
  });

  test("Should close a client that stopped reading its replies as silent", async () => {
    const server = await startServer({ extraArgs: ["--idle-timeout", "1"] });
    servers.push(server);
    const observer = await TestClient.connect(server.port);
    expect(await observer.set("big", new Uint8Array(BIG_VALUE_BYTES))).toBe("STORED");
    const stalled = await StalledReader.connect(server.port);
    stalled.send("get big\r\n".repeat(200));
    await Bun.sleep(200);
    expect((await observer.stats()).get("curr_connections")).toBe("2");
    // The observer keeps talking; the stalled client only ever sent once.
    let connections = "2";
    for (let round = 0; round < 12 && connections !== "1"; round++) {
      await Bun.sleep(250);
      connections = (await observer.stats()).get("curr_connections") as string;
    }
    expect(connections).toBe("1");
    stalled.close();
    observer.close();
  });

  test("Should keep silent connections open when the timeout is off (the default)", async () => {
    const server = await startServer();
    servers.push(server);
    const silent = await TestClient.connect(server.port);
    expect(await silent.waitForClose(2_500)).toBe(false);
    expect(await silent.call("version\r\n")).toStartWith("VERSION ");
    silent.close();
  });
});
