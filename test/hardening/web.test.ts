/**
 * The monitor under hostile data and load, against the real process: keys
 * of 250 odd bytes and 1 MiB values, foreign Host headers, and hundreds of
 * event stream subscribers (one of which never reads) while the memcached
 * port is busy. The memcached port must stay responsive throughout.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { encodeKey } from "../../client/shared/key-codec.ts";
import { concatBytes } from "../support/bytes.ts";
import { Random } from "../support/random.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";
import { startObserver } from "./support/observer-process.ts";
import { residentKiB } from "./support/system.ts";

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

const encoder = new TextEncoder();
const MEBIBYTE = 1024 * 1024;

interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** One HTTP/1.1 request with exactly the Host header given, over a raw socket. */
async function rawGet(port: number, path: string, host: string): Promise<RawResponse> {
  const chunks: Uint8Array[] = [];
  const { promise: closed, resolve } = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, chunk) {
        chunks.push(chunk.slice());
      },
      close() {
        resolve();
      },
      error() {
        resolve();
      },
    },
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  await Promise.race([closed, Bun.sleep(10_000)]);
  socket.end();
  const text = Buffer.concat(chunks).toString("latin1");
  const split = text.indexOf("\r\n\r\n");
  const head = text.slice(0, split);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  return { status, head, body: text.slice(split + 4) };
}

/** 250-byte keys of every odd kind: markup, quotes, percent signs, control and high bytes. */
function oddKeys(random: Random): Uint8Array[] {
  const allowed = Array.from({ length: 256 }, (_, byte) => byte).filter(
    // Not space, CR or LF (separators), nor NUL (memcached ends the line there).
    (byte) => byte !== 0x20 && byte !== 0x0a && byte !== 0x0d && byte !== 0x00,
  );
  const padded = (text: string) => {
    const bytes = new Uint8Array(250).fill(0x2e);
    bytes.set(encoder.encode(text).subarray(0, 250));
    return bytes;
  };
  const keys = [
    padded("<script>alert(1)</script>"),
    padded(`"'><img/src=x/onerror=alert(1)>`),
    padded("%2F%00%ZZ%%/../../etc/passwd?x=1#frag&y=<>"),
    padded("\u2028\u2029</script><!--"),
    padded("ключ-キー-🔑"),
    new Uint8Array(250).fill(0xff),
    new Uint8Array(250).fill(0x80),
    Uint8Array.from({ length: 250 }, (_, index) => (index % 2 === 0 ? 0x01 : 0x1b)),
    encoder.encode("."),
    encoder.encode(".."),
  ];
  for (let index = 0; index < 20; index++) {
    keys.push(Uint8Array.from({ length: 250 }, () => random.pick(allowed)));
  }
  return keys;
}

function setRequest(key: Uint8Array, value: Uint8Array): Uint8Array {
  return concatBytes("set ", key, ` 0 0 ${value.length}\r\n`, value, "\r\n");
}

function itemPath(key: Uint8Array): string {
  const encoded = encodeKey(key);
  // A browser (and Bun's URL parser) would fold "." and ".." out of a path.
  return encoded === "." || encoded === ".." ? `/api/key?key=${encoded}` : `/api/keys/${encoded}`;
}

describe("odd keys and large values", () => {
  test("Should list and return 250-byte keys of odd bytes and 1 MiB values exactly, with the memcached port responsive", async () => {
    const server = await startServer();
    servers.push(server);
    const seed = Random.seedFromEnvironment();
    console.log(`web odd keys: seed ${seed} (HARDENING_SEED=${seed} replays it)`);
    const random = new Random(seed);
    const keys = oddKeys(random);
    const values = keys.map((_, index) =>
      index < 4 ? random.bytes(MEBIBYTE) : random.bytes(random.between(0, 3000)),
    );
    const client = await TestClient.connect(server.port);
    for (const [index, key] of keys.entries()) {
      await client.send(setRequest(key, values[index] as Uint8Array));
      expect(await client.line()).toBe("STORED");
    }
    const base = `http://127.0.0.1:${server.httpPort}`;

    // The page lists them all without a value inside and with every key escaped.
    const page = await fetch(`${base}/?limit=100`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html.length).toBeLessThan(MEBIBYTE);
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("<img/src=x");
    expect(html).not.toContain("</script><!--");

    const listing = (await (await fetch(`${base}/api/keys?limit=1000`)).json()) as {
      keys: Array<{ key: string; size: number }>;
    };
    const listed = new Map(listing.keys.map((entry) => [entry.key, entry.size]));
    expect(listed.size).toBe(keys.length);
    for (const [index, key] of keys.entries()) {
      expect(listed.get(encodeKey(key))).toBe((values[index] as Uint8Array).length);
    }

    // Every value, exactly, while another process keeps using the memcached port.
    const observer = startObserver(server.port, seed);
    await Bun.sleep(100);
    const fetches = [];
    for (let round = 0; round < 3; round++) {
      for (const [index, key] of keys.entries()) {
        fetches.push(
          fetch(`${base}${itemPath(key)}`).then(async (response) => {
            expect(response.status).toBe(200);
            const item = (await response.json()) as {
              key: string;
              value: string;
              truncated: boolean;
            };
            expect(item.key).toBe(encodeKey(key));
            expect(item.truncated).toBe(false);
            expect(Uint8Array.from(Buffer.from(item.value, "base64")) as Uint8Array).toEqual(
              values[index] as Uint8Array,
            );
          }),
        );
      }
    }
    await Promise.all(fetches);
    const seen = await observer.stop();
    expect(seen.error).toBeNull();
    expect(seen.worstMs).toBeLessThan(1_000);

    const cut = (await (
      await fetch(`${base}${itemPath(keys[0] as Uint8Array)}?max=1000`)
    ).json()) as {
      value: string;
      truncated: boolean;
    };
    expect(cut.truncated).toBe(true);
    expect(Uint8Array.from(Buffer.from(cut.value, "base64")) as Uint8Array).toEqual(
      (values[0] as Uint8Array).subarray(0, 1000),
    );
    console.log(
      `web odd keys: ${keys.length} keys (${keys.filter((key) => key.length === 250).length} of 250 bytes), ` +
        `${fetches.length} item fetches incl. 12 of 1 MiB; memcached meanwhile: ${seen.rounds} rounds, worst ${seen.worstMs.toFixed(0)} ms`,
    );
    client.close();
  });
});

describe("the Host check", () => {
  test("Should answer 403 to a foreign Host on every route and serve its own names", async () => {
    const server = await startServer();
    servers.push(server);
    const client = await TestClient.connect(server.port);
    expect(await client.set("secret-key", "secret-value")).toBe("STORED");
    client.close();
    const port = server.httpPort;
    const routes = [
      "/",
      "/api/keys",
      "/api/keys/secret-key",
      "/api/stats",
      "/api/events",
      "/metrics",
      "/healthz",
    ];
    const foreign = [
      "evil.example",
      `evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      `localhost.evil.example:${port}`,
      `127.0.0.1:${port + 1 === 65536 ? port - 1 : port + 1}`,
      `127.0.0.1:${port}@evil.example`,
    ];
    let refused = 0;
    for (const route of routes) {
      for (const host of foreign) {
        const response = await rawGet(port, route, host);
        expect({ route, host, status: response.status }).toEqual({ route, host, status: 403 });
        expect(response.body).not.toContain("secret");
        refused++;
      }
      const own = await rawGet(
        port,
        route === "/api/events" ? "/healthz" : route,
        `127.0.0.1:${port}`,
      );
      expect(own.status).toBe(200);
      expect((await rawGet(port, "/healthz", `localhost:${port}`)).status).toBe(200);
    }
    console.log(`host check: ${refused} requests with a foreign Host refused with 403`);
  });
});

/** Reads an event stream, counting its bytes and its `changes` and `resync` events. */
function countEvents(response: Response): { counts: EventCounts; done: Promise<void> } {
  const counts = { changes: 0, resync: 0, bytes: 0 };
  const done = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as ReadableStream<Uint8Array>) {
        counts.bytes += chunk.length;
        const text = decoder.decode(chunk, { stream: true });
        counts.changes += text.split("event: changes\n").length - 1;
        counts.resync += text.split("event: resync\n").length - 1;
      }
    } catch {
      // Aborted at the end of the test.
    }
  })();
  return { counts, done };
}

interface EventCounts {
  changes: number;
  resync: number;
  bytes: number;
}

/** Pipelined noreply sets of long keys that percent-encode to 750 characters each. */
async function writeOddKeys(writer: TestClient, random: Random, count: number): Promise<void> {
  let batch = "";
  for (let index = 0; index < count; index++) {
    const key = `${String(random.below(450)).padStart(3, "0")}${"<%&\"'>".repeat(41)}`;
    batch += `set ${key} 0 0 5 noreply\r\nvalue\r\n`;
  }
  await writer.send(batch);
  expect(await writer.call("version\r\n")).toStartWith("VERSION ");
}

describe("event stream subscribers", () => {
  test("Should serve subscribers up to its limit, refuse the rest with 503, and keep the memcached port responsive", async () => {
    const server = await startServer();
    servers.push(server);
    const port = server.httpPort;
    const seed = Random.seedFromEnvironment();
    const aborter = new AbortController();
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        fetch(`http://127.0.0.1:${port}/api/events`, { signal: aborter.signal }),
      ),
    );
    const accepted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 503);
    expect(accepted.length + refused.length).toBe(200);
    expect(accepted.length).toBeGreaterThanOrEqual(50);
    for (const response of refused) await response.body?.cancel();
    const readers = accepted.map(countEvents);

    const baselineKiB = residentKiB(server.process.pid);
    let peakKiB = baselineKiB;
    const observer = startObserver(server.port, seed);
    const writer = await TestClient.connect(server.port);
    const random = new Random(seed);
    let writes = 0;
    const until = Date.now() + 2_000;
    while (Date.now() < until) {
      await writeOddKeys(writer, random, 200);
      writes += 200;
      peakKiB = Math.max(peakKiB, residentKiB(server.process.pid));
    }
    const seen = await observer.stop();
    await Bun.sleep(300);
    aborter.abort();
    await Promise.all(readers.map((reader) => reader.done));
    writer.close();

    expect(seen.error).toBeNull();
    expect(seen.medianMs).toBeLessThan(20);
    expect(seen.worstMs).toBeLessThan(1_000);
    for (const { counts } of readers) expect(counts.changes + counts.resync).toBeGreaterThan(0);
    const received = readers.reduce((total, { counts }) => total + counts.bytes, 0);
    console.log(
      `event streams: ${accepted.length} subscribers served, ${refused.length} refused with 503; ` +
        `${writes} writes in 2 s, ${(received / MEBIBYTE).toFixed(1)} MiB of events delivered; ` +
        `memcached meanwhile: median ${seen.medianMs.toFixed(1)} ms, worst ${seen.worstMs.toFixed(0)} ms; ` +
        `RssAnon ${baselineKiB} -> peak ${peakKiB} KiB`,
    );
  }, 60_000);

  test("Should let go of a subscriber that never reads instead of buffering its events without bound", async () => {
    // Without the memory tier, whose budget (--memory) would fill with the
    // values written here: the growth measured is the event streams'.
    const server = await startServer({ extraArgs: ["--memory", "0"] });
    servers.push(server);
    const port = server.httpPort;
    const seed = Random.seedFromEnvironment();

    let stalledBytes = 0;
    const { promise: stalledClosed, resolve: markStalledClosed } = Promise.withResolvers<void>();
    const stalled = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_socket, chunk) {
          stalledBytes += chunk.length;
        },
        close() {
          markStalledClosed();
        },
        error() {
          markStalledClosed();
        },
      },
    });
    stalled.write(`GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    stalled.pause();
    const aborter = new AbortController();
    const reader = countEvents(
      await fetch(`http://127.0.0.1:${port}/api/events`, { signal: aborter.signal }),
    );

    // Until a reading subscriber got far more than the kernel's socket
    // buffers and the server's per-stream cap could hold for the stalled one.
    const baselineKiB = residentKiB(server.process.pid);
    let peakKiB = baselineKiB;
    const observer = startObserver(server.port, seed);
    const writer = await TestClient.connect(server.port);
    const random = new Random(seed);
    const deadline = Date.now() + 15_000;
    while (reader.counts.bytes < 16 * MEBIBYTE && Date.now() < deadline) {
      await writeOddKeys(writer, random, 500);
      peakKiB = Math.max(peakKiB, residentKiB(server.process.pid));
    }
    const seen = await observer.stop();
    writer.close();

    // Once it reads, it gets what was buffered, then the end of its stream.
    stalled.resume();
    const dropped = await Promise.race([
      stalledClosed.then(() => true),
      Bun.sleep(5_000).then(() => false),
    ]);
    aborter.abort();
    await reader.done;
    stalled.end();

    expect(reader.counts.bytes).toBeGreaterThanOrEqual(16 * MEBIBYTE);
    expect(dropped).toBe(true);
    expect(stalledBytes).toBeLessThan(reader.counts.bytes);
    expect(peakKiB - baselineKiB).toBeLessThan(96 * 1024);
    expect(seen.error).toBeNull();
    expect(seen.worstMs).toBeLessThan(1_000);
    console.log(
      `stalled event stream: dropped after ${(stalledBytes / MEBIBYTE).toFixed(1)} MiB while a reader got ` +
        `${(reader.counts.bytes / MEBIBYTE).toFixed(1)} MiB; RssAnon ${baselineKiB} -> peak ${peakKiB} KiB; ` +
        `memcached meanwhile: median ${seen.medianMs.toFixed(1)} ms, worst ${seen.worstMs.toFixed(0)} ms`,
    );
  }, 60_000);
});
