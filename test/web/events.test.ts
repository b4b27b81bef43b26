import { afterEach, describe, expect, test } from "bun:test";
import type { ChangesEventJson, StatsJson } from "../../client/shared/api-types.ts";
import { bytes, createTestApp, OWN_HOST, type TestApp } from "./support.ts";

interface ServerEvent {
  event: string;
  data: string;
}

/** Reads server-sent events from a response body, one at a time. */
class EventReader {
  private buffer = "";
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(response: Response) {
    if (response.body === null) throw new Error("no body");
    this.reader = response.body.getReader();
  }

  /** The next event named `name`, skipping others, or an error after the timeout. */
  async next(name: string, timeoutMs = 3000): Promise<ServerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.take();
      if (event !== undefined) {
        if (event.event === name) return event;
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ${name} event within ${timeoutMs} ms`);
      const chunk = await Promise.race([
        this.reader.read(),
        Bun.sleep(remaining).then(() => undefined),
      ]);
      if (chunk === undefined) continue;
      if (chunk.done) throw new Error("the stream ended");
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }

  private take(): ServerEvent | undefined {
    const end = this.buffer.indexOf("\n\n");
    if (end === -1) return undefined;
    const block = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end + 2);
    let event = "message";
    let data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data += line.slice(6);
    }
    return { event, data };
  }
}

let current: TestApp | undefined;
const readers: EventReader[] = [];

afterEach(async () => {
  for (const reader of readers.splice(0)) await reader.cancel().catch(() => {});
  current?.close();
  current = undefined;
});

async function openStream(web: TestApp): Promise<{ response: Response; events: EventReader }> {
  const response = await web.app.request("/api/events", { headers: { host: OWN_HOST } });
  const events = new EventReader(response);
  readers.push(events);
  return { response, events };
}

describe("GET /api/events", () => {
  test("Should open an event stream that starts with the stats", async () => {
    current = createTestApp();
    current.set("a", "1");
    const { response, events } = await openStream(current);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const stats = JSON.parse((await events.next("stats")).data) as StatsJson;
    expect(stats.items).toBe(1);
  });

  test("Should send sets, deletes and flushes with percent-encoded keys", async () => {
    current = createTestApp();
    const { events } = await openStream(current);
    await events.next("stats");

    current.store.set(Uint8Array.of(0x61, 0xff), bytes("xyz"), 9);
    current.store.commit();
    const set = JSON.parse((await events.next("changes")).data) as ChangesEventJson;
    expect(set.changes).toEqual([
      {
        type: "set",
        key: "a%FF",
        size: 3,
        flags: 9,
        cas: expect.any(Number),
        modified: expect.any(Number),
      },
    ]);

    current.store.delete(Uint8Array.of(0x61, 0xff));
    current.store.commit();
    const deleted = JSON.parse((await events.next("changes")).data) as ChangesEventJson;
    expect(deleted.changes).toEqual([{ type: "delete", key: "a%FF" }]);

    current.store.set(bytes("before"), bytes("1"), 0);
    current.store.flush();
    current.store.set(bytes("after"), bytes("2"), 0);
    current.store.commit();
    const flushed = JSON.parse((await events.next("changes")).data) as ChangesEventJson;
    expect(flushed.changes.map((change) => change.type)).toEqual(["flush", "set"]);
    expect(flushed.changes[1]).toMatchObject({ type: "set", key: "after" });
  });

  test("Should send only the latest change of a key written many times", async () => {
    current = createTestApp();
    const { events } = await openStream(current);
    await events.next("stats");
    for (let round = 1; round <= 5; round++) {
      current.store.set(bytes("counter"), bytes(String(round).repeat(round)), 0);
    }
    current.store.commit();
    const { changes } = JSON.parse((await events.next("changes")).data) as ChangesEventJson;
    expect(changes).toEqual([expect.objectContaining({ type: "set", key: "counter", size: 5 })]);
  });

  test("Should tell the page to resync instead of sending a flood of changes", async () => {
    current = createTestApp();
    const { events } = await openStream(current);
    await events.next("stats");
    for (let index = 0; index < 2000; index++) {
      current.store.set(bytes(`bulk:${index}`), bytes("v"), 0);
    }
    current.store.commit();
    expect(await events.next("resync")).toEqual({ event: "resync", data: "{}" });
  });

  test("Should refuse more streams than allowed with 503", async () => {
    current = createTestApp({ maxEventClients: 1 });
    const { events } = await openStream(current);
    await events.next("stats");
    const second = await current.app.request("/api/events", { headers: { host: OWN_HOST } });
    expect(second.status).toBe(503);
    expect(((await second.json()) as { error: string }).error).toBe("too_many_streams");
  });

  test("Should free a stream's place when the client goes away", async () => {
    current = createTestApp({ maxEventClients: 1 });
    const first = await openStream(current);
    await first.events.next("stats");
    await first.events.cancel();
    const { response, events } = await openStream(current);
    expect(response.status).toBe(200);
    await events.next("stats");
  });

  test("Should refuse a foreign Host before opening a stream", async () => {
    current = createTestApp();
    const response = await current.app.request("/api/events", {
      headers: { host: "attacker.example:8000" },
    });
    expect(response.status).toBe(403);
  });
});

describe("GET /api/events over a real HTTP server", () => {
  test("Should free a stream's place when the browser disconnects", async () => {
    current = createTestApp({ maxEventClients: 1 });
    const web = current;
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: web.app.fetch });
    try {
      // The app answers only to its own Host; send the one it was configured with.
      const open = async (signal?: AbortSignal) =>
        await fetch(`http://127.0.0.1:${server.port}/api/events`, {
          headers: { host: OWN_HOST },
          signal,
        });
      const controller = new AbortController();
      const first = await open(controller.signal);
      expect(first.status).toBe(200);
      expect((await open()).status).toBe(503);
      controller.abort();
      let status = 503;
      for (let attempt = 0; attempt < 50 && status === 503; attempt++) {
        await Bun.sleep(50);
        const again = await open();
        status = again.status;
        await again.body?.cancel();
      }
      expect(status).toBe(200);
    } finally {
      server.stop(true);
    }
  });
});
