/**
 * The monitor in its worker thread, against the real litecached process:
 * the worker's own read connection sees what memcached clients store, its
 * writes go through the main thread's Store, changes reach its event
 * streams by message, logins count against the lockouts both ports share,
 * the thread runs at a lower CPU priority, and a stop ends the streams.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import type { KeyPageJson, StatsJson } from "../../client/shared/api-types.ts";
import { MAX_FAILURES } from "../../src/auth/failure-limiter.ts";
import { MONITOR_NICENESS } from "../../src/web/thread-priority.ts";
import { type RunningServer, startServer, temporaryFile } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const STREAM_TIMEOUT_MS = 10_000;
const decoder = new TextDecoder();

/**
 * Reads an event stream until its text holds `expected`; false if the
 * stream ended (closed, or reset as a stopping server closes its sockets)
 * or time ran out first.
 */
async function streamShows(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  expected: string,
  seen: { text: string },
): Promise<boolean> {
  const deadline = Date.now() + STREAM_TIMEOUT_MS;
  while (!seen.text.includes(expected)) {
    const chunk = await Promise.race([
      reader.read().catch(() => ({ done: true, value: undefined }) as const),
      Bun.sleep(Math.max(0, deadline - Date.now())).then(() => "timeout" as const),
    ]);
    if (chunk === "timeout" || chunk.done) return false;
    seen.text += decoder.decode(chunk.value, { stream: true });
  }
  return true;
}

/** Reads an event stream to its end: true once it ends, false if it is still open after the timeout. */
async function streamEnds(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<boolean> {
  const deadline = Date.now() + STREAM_TIMEOUT_MS;
  for (;;) {
    const chunk = await Promise.race([
      reader.read().catch(() => ({ done: true, value: undefined }) as const),
      Bun.sleep(Math.max(0, deadline - Date.now())).then(() => "timeout" as const),
    ]);
    if (chunk === "timeout") return false;
    if (chunk.done) return true;
  }
}

/** The nice value of each of the process's threads (Linux: field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNiceness(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // The command name may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[16]);
  });
}

describe("The monitor's worker thread", () => {
  let server: RunningServer;
  let base: string;
  let client: TestClient;

  beforeAll(async () => {
    server = await startServer({ extraArgs: ["--monitor-writes"] });
    base = `http://127.0.0.1:${server.httpPort}`;
    client = await TestClient.connect(server.port);
  });

  afterAll(async () => {
    client?.close();
    await server?.kill();
  });

  test("Should answer on the monitor port as soon as the start line is printed", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  test("Should list keys set over memcached on the page and in the API", async () => {
    expect(await client.set("page-key-1", "first")).toBe("STORED");
    expect(await client.set("page-key-2", "second")).toBe("STORED");
    const page = await (await fetch(`${base}/?q=page-key`)).text();
    expect(page).toContain("page-key-1");
    expect(page).toContain("page-key-2");
    const keys = (await (await fetch(`${base}/api/keys?prefix=page-key`)).json()) as KeyPageJson;
    expect(keys.keys.map((key) => key.key)).toEqual(["page-key-1", "page-key-2"]);
    const item = (await (await fetch(`${base}/api/key?key=page-key-2`)).json()) as {
      value: string;
    };
    expect(Buffer.from(item.value, "base64").toString()).toBe("second");
  });

  test("Should report the main thread's counters in /api/stats and /metrics", async () => {
    expect(await client.set("counted", "v")).toBe("STORED");
    const stats = (await (await fetch(`${base}/api/stats`)).json()) as StatsJson;
    expect(stats.connections).toBeGreaterThanOrEqual(1);
    expect(stats.items).toBeGreaterThanOrEqual(1);
    const memcachedSets = Number((await client.stats()).get("cmd_set"));
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`litecached_cmd_set_total ${memcachedSets}\n`);
  });

  test("Should store a write from the page durably, seen at once by a memcached get", async () => {
    const response = await fetch(`${base}/api/set`, {
      method: "POST",
      body: new URLSearchParams({ key: "from-page", value: "written by the monitor", flags: "7" }),
      headers: { origin: base },
    });
    expect(response.status).toBe(200);
    expect(await client.get("from-page")).toEqual(
      new TextEncoder().encode("written by the monitor"),
    );
    const deleted = await fetch(`${base}/api/delete`, {
      method: "POST",
      body: new URLSearchParams({ key: "from-page" }),
      headers: { origin: base },
    });
    expect(deleted.status).toBe(200);
    expect(await client.get("from-page")).toBeUndefined();
  });

  test("Should stream a memcached set to an open event stream", async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/api/events`, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const seen = { text: "" };
    try {
      // The first stats event means the main thread posts changes from now on.
      expect(await streamShows(reader, "event: stats", seen)).toBe(true);
      expect(await client.set("streamed-key", "v")).toBe("STORED");
      expect(await streamShows(reader, '"key":"streamed-key"', seen)).toBe(true);
    } finally {
      controller.abort();
    }
  });

  test.if(process.platform === "linux")(
    "Should run the monitor in a thread of lower CPU priority than the memcached thread",
    () => {
      const niceness = threadNiceness(server.process.pid);
      expect(niceness[0]).toBe(0);
      // Threads the worker starts inherit its priority, so there may be more than one.
      expect(niceness).toContain(MONITOR_NICENESS);
    },
  );
});

describe("Stopping with an event stream open", () => {
  test("Should end the stream and exit 0 on SIGTERM", async () => {
    const server = await startServer();
    const response = await fetch(`http://127.0.0.1:${server.httpPort}/api/events`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const seen = { text: "" };
    try {
      expect(await streamShows(reader, "event: stats", seen)).toBe(true);
      expect(await server.stop()).toBe(0);
      expect(await streamEnds(reader)).toBe(true);
    } finally {
      await server.kill();
    }
  });
});

describe("Lockouts shared by both ports", () => {
  const USER = "shared-lockout";
  const PASSWORD = "right-password";
  let server: RunningServer;

  beforeAll(async () => {
    const authFile = temporaryFile("auth", `${USER}:${PASSWORD}\n`);
    server = await startServer({ extraArgs: ["--auth-file", authFile] });
  });

  afterAll(async () => {
    await server?.kill();
  });

  test("Should lock an address out of the memcached port after failed monitor logins", async () => {
    const base = `http://127.0.0.1:${server.httpPort}`;
    const wrong = `Basic ${Buffer.from(`${USER}:wrong`).toString("base64")}`;
    for (let attempt = 0; attempt < MAX_FAILURES; attempt++) {
      expect((await fetch(`${base}/api/stats`, { headers: { Authorization: wrong } })).status).toBe(
        401,
      );
    }
    const right = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;
    expect((await fetch(`${base}/api/stats`, { headers: { Authorization: right } })).status).toBe(
      429,
    );
    const client = await TestClient.connect(server.port);
    try {
      const handshake = `${USER} ${PASSWORD}`;
      await client.send(`set auth 0 0 ${handshake.length}\r\n${handshake}\r\n`).catch(() => {});
      expect(await client.waitForClose()).toBe(true);
      expect(client.take()).toBe("");
    } finally {
      client.close();
    }
  });
});
