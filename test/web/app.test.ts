import { afterEach, describe, expect, test } from "bun:test";
import { networkInterfaces } from "node:os";
import type {
  ErrorJson,
  HistoryJson,
  ItemJson,
  KeyPageJson,
  StatsJson,
} from "../../client/shared/api-types.ts";
import { bytes, createTestApp, HTTP_PORT, OWN_HOST, type TestApp } from "./support.ts";

let current: TestApp | undefined;

function setup(options?: Parameters<typeof createTestApp>[0]): TestApp {
  current = createTestApp(options);
  return current;
}

afterEach(() => {
  current?.close();
  current = undefined;
});

const HOSTILE_KEY = "<img src=x onerror=alert(1)>";
const HOSTILE_VALUE = '</script><script>alert("value")</script><img src=x onerror=alert(2)>';

function decodeBase64(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, "base64"));
}

describe("GET /", () => {
  test("Should list the keys with their values left out", async () => {
    const web = setup();
    web.set("user:1", "secret-value-one");
    web.set("user:2", "secret-value-two");
    const response = await web.get("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain(">user:1</span>");
    expect(html).toContain(">user:2</span>");
    expect(html).not.toContain("secret-value");
  });

  test("Should render each key as a collapsed toggle button, named by the key, that controls its panel", async () => {
    const web = setup();
    web.set("k", "v");
    const html = await (await web.get("/")).text();
    const id = /aria-controls="item-(r[0-9a-z]+-0)"/.exec(html)?.[1];
    expect(html).toContain(
      `<button type="button" class="key-toggle" aria-expanded="false" aria-controls="item-${id}" aria-labelledby="label-${id}">`,
    );
    expect(html).toContain(`<span class="key-label" id="label-${id}">k</span>`);
    expect(html).toContain(`<div class="item-panel" id="item-${id}" hidden=""></div>`);
  });

  test("Should show the stats header from the counters", async () => {
    const web = setup();
    web.set("a", "1");
    web.set("b", "2");
    web.stats.counters.get_hits = 3;
    web.stats.counters.get_misses = 1;
    web.stats.currentConnections = 7;
    const html = await (await web.get("/")).text();
    expect(html).toContain('<dt>Items</dt><dd data-stat="items">2</dd>');
    expect(html).toContain('<dt>Connections</dt><dd data-stat="connections">7</dd>');
    expect(html).toContain('<dt>Hit ratio</dt><dd data-stat="hitRatio">75.0%</dd>');
  });

  test("Should show a hostile key as text and never embed values", async () => {
    const web = setup();
    web.set(HOSTILE_KEY, HOSTILE_VALUE);
    web.set("</script><script>alert(3)</script>", "x");
    const html = await (await web.get("/")).text();
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("alert(2)");
    expect(html.match(/<script/g)?.length).toBe(1);
  });

  test("Should load only its own external script, with no inline script or style", async () => {
    const web = setup();
    web.set("k", "v");
    const html = await (await web.get("/")).text();
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(1);
    expect(scripts[0]?.[1]).toMatch(/src="\/assets\/monitor\.[0-9a-z]+\.js"/);
    expect(scripts[0]?.[2]).toBe("");
    expect(html).not.toMatch(/<style|style="|\son[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  test("Should give each row its key's exact bytes, percent-encoded, in data-key", async () => {
    const web = setup();
    web.set(HOSTILE_KEY, "v");
    web.set(Uint8Array.of(0x6b, 0xff, 0x22), "v");
    const html = await (await web.get("/")).text();
    expect(html).toContain('data-key="%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"');
    expect(html).toContain('data-key="k%FF%22"');
  });

  test("Should link to the next page with the last key percent-encoded as bytes", async () => {
    const web = setup();
    for (let index = 0; index < 120; index++) {
      web.store.set(Uint8Array.of(0x6b, 0xff, index), bytes("v"), 0);
    }
    web.store.commit();
    const html = await (await web.get("/")).text();
    // Byte 99 is "c", a plain character; byte 0xff is not.
    // Above the list and below it.
    expect(html.split('<a class="pager-link" rel="next" href="/?after=k%FFc">')).toHaveLength(3);
    expect(html).toContain('<span class="pager-link" aria-disabled="true">← Previous</span>');
    expect(html).toContain("1–100 of 120 keys");
    const second = await (await web.get("/?after=k%FFc")).text();
    expect(second).toContain('rel="prev" href="/?before=k%FFd"');
    expect(second).toContain("101–120 of 120 keys");
  });

  test("Should filter by a prefix typed in the search form", async () => {
    const web = setup();
    web.set("user one", "1");
    web.set("user two", "2");
    web.set("other", "3");
    const html = await (await web.get("/?prefix=user+o")).text();
    expect(html).toContain(">user one</span>");
    expect(html).not.toContain(">user two</span>");
    expect(html).not.toContain(">other</span>");
    expect(html).toContain('value="user o"');
  });

  test("Should say when there are no keys", async () => {
    const web = setup();
    expect(await (await web.get("/")).text()).toContain("No keys stored yet.");
  });

  test("Should answer 400 with JSON for a broken cursor", async () => {
    const web = setup();
    const response = await web.get("/?after=%zz");
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorJson).error).toBe("bad_request");
  });
});

describe("GET /api/keys", () => {
  function seed(web: TestApp, count: number): string[] {
    const keys = Array.from(
      { length: count },
      (_, index) => `key:${String(index).padStart(4, "0")}`,
    );
    for (const key of keys) web.store.set(bytes(key), bytes(`value of ${key}`), 0);
    web.store.commit();
    return keys;
  }

  test("Should return one page of keys with metadata and no values", async () => {
    const web = setup();
    web.set("alpha", "12345", 42);
    const response = await web.get("/api/keys");
    expect(response.status).toBe(200);
    const page = (await response.json()) as KeyPageJson;
    expect(page).toEqual({
      prefix: "",
      limit: 100,
      keys: [
        {
          key: "alpha",
          size: 5,
          flags: 42,
          cas: expect.any(Number),
          modified: expect.any(Number),
        },
      ],
      next: null,
      previous: null,
    });
  });

  test("Should walk forward and back through every key exactly once", async () => {
    const web = setup();
    const keys = seed(web, 250);
    const forward: string[] = [];
    let query = "?limit=100";
    const cursors: (string | null)[] = [];
    for (;;) {
      const page = (await (await web.get(`/api/keys${query}`)).json()) as KeyPageJson;
      forward.push(...page.keys.map((key) => key.key));
      cursors.push(page.previous);
      if (page.next === null) break;
      query = `?limit=100&after=${page.next}`;
    }
    expect(forward).toEqual(keys);
    expect(cursors[0]).toBeNull();
    expect(cursors.slice(1).every((cursor) => cursor !== null)).toBe(true);

    // Backwards, the last step lands on the full first page, overlapping the one before it.
    const backward = new Set<string>();
    let firstPage: string[] = [];
    query = "?limit=100&before=key:0250";
    for (;;) {
      const page = (await (await web.get(`/api/keys${query}`)).json()) as KeyPageJson;
      for (const key of page.keys) backward.add(key.key);
      if (page.previous === null) {
        firstPage = page.keys.map((key) => key.key);
        break;
      }
      query = `?limit=100&before=${page.previous}`;
    }
    expect([...backward].sort()).toEqual(keys);
    expect(firstPage).toEqual(keys.slice(0, 100));
  });

  test("Should fill the first page when paging back reaches the start", async () => {
    const web = setup();
    const keys = seed(web, 30);
    const page = (await (
      await web.get("/api/keys?limit=10&before=key:0005")
    ).json()) as KeyPageJson;
    expect(page.keys.map((key) => key.key)).toEqual(keys.slice(0, 10));
    expect(page.previous).toBeNull();
    expect(page.next).toBe("key:0009");
  });

  test("Should list only keys with the prefix, also past a cursor", async () => {
    const web = setup();
    seed(web, 40);
    web.set("other", "x");
    const page = (await (
      await web.get("/api/keys?prefix=key:001&after=key:0013")
    ).json()) as KeyPageJson;
    expect(page.keys.map((key) => key.key)).toEqual([
      "key:0014",
      "key:0015",
      "key:0016",
      "key:0017",
      "key:0018",
      "key:0019",
    ]);
    expect(page.next).toBeNull();
    expect(page.previous).toBe("key:0014");
  });

  test("Should page through binary keys under a binary prefix", async () => {
    const web = setup();
    const keys = [
      Uint8Array.of(0xff, 0x00),
      Uint8Array.of(0xff, 0x2f),
      Uint8Array.of(0xff, 0xff),
      Uint8Array.of(0xff, 0xff, 0x01),
      Uint8Array.of(0xfe),
    ];
    for (const key of keys) web.store.set(key, bytes("v"), 0);
    web.store.commit();
    const first = (await (await web.get("/api/keys?prefix=%FF&limit=2")).json()) as KeyPageJson;
    expect(first.keys.map((key) => key.key)).toEqual(["%FF%00", "%FF%2F"]);
    const second = (await (
      await web.get(`/api/keys?prefix=%FF&limit=2&after=${first.next}`)
    ).json()) as KeyPageJson;
    expect(second.keys.map((key) => key.key)).toEqual(["%FF%FF", "%FF%FF%01"]);
    expect(second.next).toBeNull();
  });

  test("Should answer 400 with a JSON error for bad parameters", async () => {
    const web = setup();
    for (const query of [
      "?limit=0",
      "?limit=1001",
      "?limit=ten",
      "?after=a&before=b",
      "?prefix=%G1",
      `?after=${"a".repeat(1025)}`,
    ]) {
      const response = await web.get(`/api/keys${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/json");
      const body = (await response.json()) as ErrorJson;
      expect(body.error).toBe("bad_request");
      expect(body.message.length).toBeGreaterThan(0);
    }
  });
});

describe("GET /api/keys/:key", () => {
  test("Should return the value in base64 with its metadata", async () => {
    const web = setup();
    web.set("greeting", "hello", 7);
    const response = await web.get("/api/keys/greeting");
    expect(response.status).toBe(200);
    const item = (await response.json()) as ItemJson;
    expect(item).toEqual({
      key: "greeting",
      size: 5,
      flags: 7,
      cas: expect.any(Number),
      modified: expect.any(Number),
      value: Buffer.from("hello").toString("base64"),
      truncated: false,
    });
    expect(Math.abs(item.modified - Date.now())).toBeLessThan(60_000);
  });

  test("Should find a binary key from its percent-encoded bytes and return its bytes exactly", async () => {
    const web = setup();
    const key = Uint8Array.of(0x00, 0xff, 0x2f, 0x25, 0x20, 0xc3);
    const value = Uint8Array.from({ length: 256 }, (_, index) => 255 - index);
    web.set(key, value);
    const listed = (await (await web.get("/api/keys")).json()) as KeyPageJson;
    expect(listed.keys[0]?.key).toBe("%00%FF%2F%25%20%C3");
    const response = await web.get(`/api/keys/${listed.keys[0]?.key}`);
    expect(response.status).toBe(200);
    const item = (await response.json()) as ItemJson;
    expect(decodeBase64(item.value)).toEqual(value);
    expect(item.key).toBe("%00%FF%2F%25%20%C3");
  });

  test("Should return a hostile value only as base64 JSON", async () => {
    const web = setup();
    web.set(HOSTILE_KEY, HOSTILE_VALUE);
    const response = await web.get("/api/keys/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E");
    expect(response.headers.get("content-type")).toContain("application/json");
    const text = await response.text();
    expect(text).not.toContain("<");
    const item = JSON.parse(text) as ItemJson;
    expect(new TextDecoder().decode(decodeBase64(item.value))).toBe(HOSTILE_VALUE);
  });

  test("Should cut the value at max bytes and say so", async () => {
    const web = setup();
    web.set("long", "0123456789");
    const item = (await (await web.get("/api/keys/long?max=4")).json()) as ItemJson;
    expect(new TextDecoder().decode(decodeBase64(item.value))).toBe("0123");
    expect(item.size).toBe(10);
    expect(item.truncated).toBe(true);
  });

  test("Should answer 404 with JSON for an unknown key", async () => {
    const web = setup();
    const response = await web.get("/api/keys/missing");
    expect(response.status).toBe(404);
    expect((await response.json()) as ErrorJson).toEqual({
      error: "unknown_key",
      message: "no item has this key",
    });
  });

  test("Should answer 400 for broken percent-encoding or an empty key", async () => {
    const web = setup();
    expect((await web.get("/api/keys/abc%2")).status).toBe(400);
    expect((await web.get("/api/keys/")).status).toBe(400);
  });

  test("Should serve the keys . and .. through /api/key?key=", async () => {
    const web = setup();
    web.set("..", "dots");
    const item = (await (await web.get("/api/key?key=..")).json()) as ItemJson;
    expect(new TextDecoder().decode(decodeBase64(item.value))).toBe("dots");
    expect((await web.get("/api/key")).status).toBe(400);
  });
});

describe("GET /api/stats, /metrics, /healthz", () => {
  test("Should return the stats as JSON", async () => {
    const web = setup();
    web.set("a", "12345");
    web.stats.counters.get_hits = 1;
    web.stats.counters.get_misses = 3;
    const stats = (await (await web.get("/api/stats")).json()) as StatsJson;
    expect(stats).toEqual({
      version: expect.any(String),
      items: 1,
      itemBytes: 6,
      databaseBytes: expect.any(Number),
      uptimeSeconds: expect.any(Number),
      connections: 0,
      commandsPerSecond: 0,
      hitRatio: 0.25,
    });
    expect(stats.databaseBytes).toBeGreaterThan(0);
  });

  test("Should report no hit ratio before the first get", async () => {
    const web = setup();
    expect(((await (await web.get("/api/stats")).json()) as StatsJson).hitRatio).toBeNull();
  });

  test("Should expose the counters in Prometheus text format", async () => {
    const web = setup();
    web.set("a", "1");
    web.stats.counters.cmd_get = 12;
    const response = await web.get("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    expect(text).toContain("# TYPE litecached_items gauge\nlitecached_items 1\n");
    expect(text).toContain(
      "# TYPE litecached_cmd_get_total counter\nlitecached_cmd_get_total 12\n",
    );
    expect(text).toContain("litecached_connections_total 0\n");
    for (const line of text.trimEnd().split("\n")) {
      expect(line).toMatch(/^(# (HELP|TYPE) litecached_\w+ .+|litecached_\w+ \d+(\.\d+)?)$/);
    }
  });

  test("Should answer the health check", async () => {
    const web = setup();
    const response = await web.get("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  test("Should answer 404 with JSON for an unknown path", async () => {
    const web = setup();
    const response = await web.get("/nope");
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorJson).error).toBe("not_found");
  });
});

describe("Host check", () => {
  test("Should refuse a foreign Host with 403 on every route", async () => {
    const web = setup();
    web.set("k", "v");
    for (const path of ["/", "/api/keys", "/api/keys/k", "/api/stats", "/metrics", "/healthz"]) {
      const response = await web.get(path, { host: `attacker.example:${HTTP_PORT}` });
      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorJson).error).toBe("forbidden_host");
    }
  });

  test("Should refuse our own name on another port, and a missing Host", async () => {
    const web = setup();
    expect((await web.get("/healthz", { host: "127.0.0.1:9999" })).status).toBe(403);
    expect((await web.get("/healthz", { host: "127.0.0.1" })).status).toBe(403);
    expect((await web.get("/healthz", { host: "" })).status).toBe(403);
    expect(
      (await web.get("/healthz", { host: `localhost.attacker.example:${HTTP_PORT}` })).status,
    ).toBe(403);
  });

  test("Should accept the loopback names and the configured host", async () => {
    const web = setup({ host: "monitor.lan" });
    for (const host of [
      OWN_HOST,
      `localhost:${HTTP_PORT}`,
      `LOCALHOST:${HTTP_PORT}`,
      `[::1]:${HTTP_PORT}`,
      `monitor.lan:${HTTP_PORT}`,
    ]) {
      expect((await web.get("/healthz", { host })).status).toBe(200);
    }
  });

  test("Should accept the machine's own addresses when listening on every interface", async () => {
    const web = setup({ host: "0.0.0.0" });
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address?.family === "IPv4")
      .map((address) => address?.address);
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) {
      expect((await web.get("/healthz", { host: `${address}:${HTTP_PORT}` })).status).toBe(200);
    }
    expect((await web.get("/healthz", { host: `0.0.0.0:${HTTP_PORT}` })).status).toBe(403);
    expect((await web.get("/healthz", { host: `attacker.example:${HTTP_PORT}` })).status).toBe(403);
  });

  test("Should accept an IPv6 listen address in brackets", async () => {
    const web = setup({ host: "fd00::5" });
    expect((await web.get("/healthz", { host: `[fd00::5]:${HTTP_PORT}` })).status).toBe(200);
  });
});

describe("Security headers", () => {
  test("Should send a strict CSP and nosniff on pages, API answers and errors", async () => {
    const web = setup();
    web.set("k", "v");
    const responses = [
      await web.get("/"),
      await web.get("/api/keys"),
      await web.get("/api/keys/missing"),
      await web.get("/api/keys?limit=0"),
      await web.get("/", { host: "attacker.example" }),
    ];
    for (const response of responses) {
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe");
      expect(csp).not.toContain("*");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });
});

describe("Assets", () => {
  test("Should serve the island and the stylesheet under fingerprinted names, cached for a year, with an ETag", async () => {
    const web = setup();
    const html = await (await web.get("/")).text();
    const scriptPath = /src="(\/assets\/monitor\.[0-9a-z]+\.js)"/.exec(html)?.[1] ?? "";
    const cssPath = /href="(\/assets\/monitor\.[0-9a-z]+\.css)"/.exec(html)?.[1] ?? "";
    const script = await web.get(scriptPath);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("text/javascript");
    expect(script.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const code = await script.text();
    expect(code).toContain("/api/events");
    // The browser build of Solid, not its server build.
    expect(code).not.toContain("Client-only API called on the server side");
    const etag = script.headers.get("etag") ?? "";
    expect(etag).toMatch(/^".+"$/);
    const again = await web.get(scriptPath, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect((await web.get("/assets/monitor.js")).status).toBe(404);

    const css = await web.get(cssPath);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toContain("text/css");
    const styles = await css.text();
    expect(styles).toContain("--pico-");
    expect(styles).toContain(".key-toggle");
    expect(styles).not.toMatch(/@import|url\((["']?)(https?:)?\/\//);
  });

  test("Should serve its icon so the browser does not ask for favicon.ico", async () => {
    const web = setup();
    const response = await web.get("/favicon.svg");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/svg+xml");
    expect(await (await web.get("/")).text()).toContain('<link rel="icon" href="/favicon.svg"');
  });
});

describe("Compression and caching", () => {
  test("Should compress the page and JSON with gzip when the browser accepts it", async () => {
    const web = setup();
    for (let index = 0; index < 50; index++) web.set(`key:${index}`, "v");
    const page = await web.get("/", { "accept-encoding": "gzip, deflate" });
    expect(page.headers.get("content-encoding")).toBe("gzip");
    expect(page.headers.get("vary")).toContain("Accept-Encoding");
    const json = await web.get("/api/keys", { "accept-encoding": "gzip" });
    expect(json.headers.get("content-encoding")).toBe("gzip");
    const plain = await web.get("/");
    expect(plain.headers.get("content-encoding")).toBeNull();
  });

  test("Should serve the assets brotli-compressed, byte for byte the same once decoded", async () => {
    const web = setup();
    const html = await (await web.get("/")).text();
    const scriptPath = /src="(\/assets\/[^"]+)"/.exec(html)?.[1] ?? "";
    const plain = new Uint8Array(await (await web.get(scriptPath)).arrayBuffer());
    const brotli = await web.get(scriptPath, { "accept-encoding": "gzip, deflate, br" });
    expect(brotli.headers.get("content-encoding")).toBe("br");
    const { brotliDecompressSync } = await import("node:zlib");
    const packed = new Uint8Array(await brotli.arrayBuffer());
    expect(packed.length).toBeLessThan(plain.length / 2);
    expect(new Uint8Array(brotliDecompressSync(packed))).toEqual(plain);
    const gzip = await web.get(scriptPath, { "accept-encoding": "gzip" });
    expect(gzip.headers.get("content-encoding")).toBe("gzip");
    expect(Bun.gunzipSync(new Uint8Array(await gzip.arrayBuffer()))).toEqual(plain);
  });

  test("Should never compress the event stream", async () => {
    const web = setup();
    const controller = new AbortController();
    const response = await web.app.request("/api/events", {
      headers: { host: OWN_HOST, "accept-encoding": "gzip" },
      signal: controller.signal,
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("content-encoding")).toBeNull();
    controller.abort();
    await response.body?.cancel();
  });
});

describe("Counts, search and deep links", () => {
  test("Should count the keys under a prefix and the page's position among them", async () => {
    const web = setup();
    for (let index = 0; index < 250; index++) {
      web.store.set(bytes(`user:${String(index).padStart(3, "0")}`), bytes("v"), 0);
    }
    web.store.set(bytes("other"), bytes("v"), 0);
    web.store.commit();
    expect(await (await web.get("/?prefix=user:")).text()).toContain(
      "1–100 of 250 keys starting with “user:”",
    );
    expect(await (await web.get("/?prefix=user:&after=user:149")).text()).toContain(
      "151–250 of 250 keys starting with “user:”",
    );
    expect(await (await web.get("/")).text()).toContain("1–100 of 251 keys");
  });

  test("Should cap a count at 10,000 and say so", async () => {
    const web = setup();
    for (let index = 0; index < 10_150; index++) {
      web.store.set(bytes(`k:${String(index).padStart(5, "0")}`), bytes("v"), 0);
    }
    web.store.commit();
    expect(await (await web.get("/?prefix=k:")).text()).toContain(
      "1–100 of more than 10,000 keys starting with “k:”",
    );
    expect(await (await web.get("/?prefix=k:&after=k:10020")).text()).toContain(
      "100 keys past the first 10,000, of more than 10,000 keys",
    );
  });

  test("Should trim a typed search and read the \\xNN escapes the page shows", async () => {
    const web = setup();
    web.set(Uint8Array.of(0x72, 0x61, 0x77, 0x3a, 0xff, 0x01), "binary key");
    web.set("raw:plain", "v");
    web.set("user:1", "v");
    const spaced = await (await web.get("/?q=++user%3A+")).text();
    expect(spaced).toContain(">user:1</span>");
    expect(spaced).not.toContain(">raw:plain</span>");
    expect(spaced).toContain('value="user:"');
    const escaped = await (await web.get("/?q=raw%3A%5CxFF")).text();
    expect(escaped).toContain(">raw:\\xFF\\x01</span>");
    expect(escaped).not.toContain(">raw:plain</span>");
    expect(escaped).toContain('<a href="/">Clear the search</a>');
  });

  test("Should offer a way back from a search that finds nothing", async () => {
    const web = setup();
    web.set("a", "v");
    const html = await (await web.get("/?q=zzz")).text();
    expect(html).toContain("No keys start with “zzz”.");
    expect(html).toContain('<a href="/">Show all keys</a>');
  });

  test("Should start the page at the key named by ?key=, and mark it to be opened", async () => {
    const web = setup();
    for (let index = 0; index < 300; index++) {
      web.store.set(bytes(`key:${String(index).padStart(3, "0")}`), bytes("v"), 0);
    }
    web.store.commit();
    const html = await (await web.get("/?key=key:250")).text();
    expect(html).toContain('data-open-key="key:250"');
    const rows = [...html.matchAll(/data-key="([^"]+)"/g)].map((match) => match[1]);
    expect(rows[0]).toBe("key:250");
    expect(rows).toHaveLength(50);
    expect(html).toContain("251–300 of 300 keys");
  });

  test("Should send the key list alone as a fragment", async () => {
    const web = setup();
    web.set("a", "v");
    const response = await web.get("/fragments/keys?prefix=a");
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(
      html.startsWith('<div class="key-list-view" data-prefix="a" data-query="prefix=a">'),
    ).toBe(true);
    expect(html).toContain('data-key="a"');
    // Rows merged in from a later rendering must not reuse the ids of rows kept on the page.
    const again = await (await web.get("/fragments/keys?prefix=a")).text();
    const idOf = (text: string) => /id="(item-[^"]+)"/.exec(text)?.[1];
    expect(idOf(again)).not.toBe(idOf(html));
  });
});

describe("Values", () => {
  test("Should download the exact bytes of a value as a file", async () => {
    const web = setup();
    const value = Uint8Array.from({ length: 70_000 }, (_, index) => (index * 7) % 256);
    web.set(Uint8Array.of(0x66, 0x69, 0x6c, 0x65, 0x2f, 0xff), value);
    const response = await web.get("/api/value?key=file%2F%FF", { "accept-encoding": "gzip" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(response.headers.get("content-disposition")).toBe(
      "attachment; filename=\"file__xFF.bin\"; filename*=UTF-8''file__xFF.bin",
    );
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(value);
    expect((await web.get("/api/value?key=missing")).status).toBe(404);
  });
});

describe("History", () => {
  test("Should keep samples of the last ten minutes and draw them as charts", async () => {
    const web = setup();
    const first = (await (await web.get("/api/history")).json()) as HistoryJson;
    // One sample is taken at start, so that a page has a point to draw at once.
    expect(first.samples).toHaveLength(1);
    expect(first.samples[0]).toMatchObject({ items: 0, hitRatio: null, commandsPerSecond: 0 });
    expect(first.windowMs).toBe(600_000);
    web.set("a", "1");
    web.stats.counters.get_hits = 3;
    web.stats.counters.get_misses = 1;
    web.app.sampleHistory();
    const history = (await (await web.get("/api/history")).json()) as HistoryJson;
    expect(history.samples).toHaveLength(2);
    expect(history.samples[1]).toMatchObject({ items: 1, hitRatio: 0.75 });
    const html = await (await web.get("/fragments/history")).text();
    expect(html.match(/<figure class="chart"/g)).toHaveLength(4);
    expect(html).toContain('data-chart="items" data-points="2"');
    expect(html).toContain('aria-label="Hit ratio, last 10 minutes: now 75.0%');
  });
});

describe("Writes", () => {
  test("Should refuse every write with 403 when --monitor-writes is off", async () => {
    const web = setup();
    web.set("kept", "v");
    for (const [path, fields] of [
      ["/api/set", { key: "new", value: "v" }],
      ["/api/delete", { key: "kept" }],
      ["/api/flush", {}],
    ] as const) {
      const response = await web.post(path, fields);
      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorJson).error).toBe("writes_disabled");
    }
    expect(web.store.itemCount).toBe(1);
    expect(web.store.get(bytes("new"))).toBeNull();
  });

  test("Should set, delete and flush once durable, through the change feed", async () => {
    const web = setup({ writes: true });
    const seen: string[] = [];
    web.store.onChange((changes) => {
      for (const change of changes) seen.push(change.type);
    });
    const set = await web.post("/api/set", { key: "user%3A1", value: "héllo", flags: "42" });
    expect(set.status).toBe(200);
    expect(web.store.hasPendingWrites).toBe(false);
    const item = web.store.get(bytes("user:1"));
    expect(new TextDecoder().decode(item?.value)).toBe("héllo");
    expect(item?.flags).toBe(42);
    expect((await web.post("/api/delete", { key: "user%3A1" })).status).toBe(200);
    expect(web.store.get(bytes("user:1"))).toBeNull();
    expect((await web.post("/api/delete", { key: "user%3A1" })).status).toBe(404);
    web.set("a", "1");
    expect((await web.post("/api/flush", {})).status).toBe(200);
    expect(web.store.itemCount).toBe(0);
    expect(seen).toEqual(["set", "delete", "set", "flush"]);
  });

  test("Should refuse keys and values memcached would refuse", async () => {
    const web = setup({ writes: true, maxItemSize: 10 });
    const refused: Record<string, string>[] = [
      { key: "", value: "v" },
      { key: "with%20space", value: "v" },
      { key: "x".repeat(251), value: "v" },
      { key: "k", value: "eleven byte" },
      { key: "k", value: "v", flags: "4294967296" },
    ];
    for (const fields of refused) {
      expect((await web.post("/api/set", fields)).status).toBe(400);
    }
    expect(web.store.itemCount).toBe(0);
  });

  test("Should refuse a write from another origin, or with no origin at all", async () => {
    const web = setup({ writes: true });
    const attempts: Record<string, string>[] = [
      { origin: "http://attacker.example" },
      { origin: "http://127.0.0.1:9999" },
      { origin: "null" },
      { origin: "", "sec-fetch-site": "cross-site" },
      { origin: "" },
    ];
    for (const headers of attempts) {
      const response = await web.post("/api/set", { key: "evil", value: "v" }, headers);
      expect(response.status).toBe(403);
    }
    const json = await web.app.request("/api/set", {
      method: "POST",
      body: JSON.stringify({ key: "evil", value: "v" }),
      headers: {
        host: OWN_HOST,
        origin: "http://attacker.example",
        "content-type": "application/json",
      },
    });
    expect(json.status).toBe(415);
    expect(web.store.get(bytes("evil"))).toBeNull();
    expect(
      (
        await web.post(
          "/api/set",
          { key: "own", value: "v" },
          { origin: `http://localhost:${HTTP_PORT}` },
        )
      ).status,
    ).toBe(200);
  });

  test("Should refuse a rebound page's write, whose Host and Origin agree on a foreign name", async () => {
    const web = setup({ writes: true });
    const foreign = `attacker.example:${HTTP_PORT}`;
    const response = await web.post(
      "/api/flush",
      {},
      { host: foreign, origin: `http://${foreign}`, "sec-fetch-site": "same-origin" },
    );
    expect(response.status).toBe(403);
    expect(((await response.json()) as ErrorJson).error).toBe("forbidden_host");
    web.set("kept", "v");
    expect((await web.post("/api/delete", { key: "kept" }, { host: foreign })).status).toBe(403);
    expect(web.store.itemCount).toBe(1);
  });

  test("Should offer the write tools on the page only when writes are on", async () => {
    const off = setup();
    expect(await (await off.get("/")).text()).not.toContain("set-form");
    off.close();
    const on = setup({ writes: true });
    const html = await (await on.get("/")).text();
    expect(html).toContain('data-writes="on"');
    expect(html).toContain('class="set-form"');
    expect(html).toContain('class="flush-form"');
  });
});
