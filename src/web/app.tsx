/** @jsxImportSource hono/jsx */
/**
 * The monitor's Hono app: the page on /, the fragments its island merges
 * in, the JSON API under /api, the event stream, /metrics and /healthz.
 * Hono's own middleware does the generic work (secure headers, timing,
 * compression, ETags, CSRF); the policy is ours: requests for a foreign
 * Host are refused first, errors a request caused become JSON with their
 * status, anything else a generic 500.
 *
 * The app reads and writes through a MonitorSource (monitor-source.ts), so
 * the same app runs in process over the Store (tests) and in the monitor's
 * worker thread (monitor-worker.ts), off the memcached event loop.
 */
import { Hono } from "hono";
import { compress } from "hono/compress";
import { etag } from "hono/etag";
import { HTTPException } from "hono/http-exception";
import { timing } from "hono/timing";
import type { ErrorJson, ItemJson } from "../../client/shared/api-types.ts";
import { decodeKey, encodeKey, KeyDecodeError, keyLabel } from "../../client/shared/key-codec.ts";
import type { Access } from "../auth/access.ts";
import { monitorAuth } from "../auth/monitor-auth.ts";
import type { Stats } from "../stats.ts";
import type { Store } from "../store/store.ts";
import { ApiError, badRequest } from "./api-error.ts";
import { assetResponse, loadClientAssets } from "./client-assets.ts";
import { ChangeFeed } from "./events.ts";
import { FAVICON_PATH, FAVICON_SVG } from "./favicon.ts";
import { allowedHosts, hostCheck } from "./host-check.ts";
import { countKeys } from "./key-counts.ts";
import {
  integerParameter,
  type KeyLister,
  type KeyPageQuery,
  keyJson,
  keyPageJson,
  keyParameter,
  loadKeyPage,
  pageQueryString,
  parseKeyPageQuery,
  rawQueryParameters,
} from "./key-page.ts";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.ts";
import type { MonitorSource } from "./monitor-source.ts";
import { securityHeaders } from "./security-headers.ts";
import { CommandRate, statsSnapshot } from "./stats-snapshot.ts";
import { StoreSource } from "./store-source.ts";
import { HistoryCharts } from "./views/history-charts.tsx";
import { KeyList } from "./views/key-list.tsx";
import { MonitorPage } from "./views/monitor-page.tsx";
import { addWriteRoutes } from "./write-routes.ts";

export interface WebOptions {
  /** The address the HTTP server listens on and its port: the Host names it answers to. */
  host?: string;
  port?: number;
  /** Simultaneous event streams (each is an open connection with a timer). */
  maxEventClients?: number;
  /** --monitor-writes: set, delete and flush from the page. Off by default. */
  writes?: boolean;
  /** --max-item-size: the largest value a write from the page may store. */
  maxItemSize?: number;
}

/**
 * What the app serves: a MonitorSource, or, in process, the Store and the
 * Stats (and the Access with --auth-file: every route but /healthz then
 * asks for a user's credentials), which it wraps in a StoreSource of its own.
 */
export type WebDependencies = WebOptions &
  ({ source: MonitorSource } | { store: Store; stats: Stats; access?: Access });

export interface WebApp extends Hono {
  /** Ends open event streams and the history sampler, so that the server can stop. */
  closeEventStreams(): void;
  /** Takes a history sample now (the server does every 5 s by itself). */
  sampleHistory(): void;
}

const KEY_ROUTE_PREFIX = "/api/keys/";
/** Largest `max` a client may ask for; the value is cut there and flagged `truncated`. */
const MAX_VALUE_BYTES = 1024 ** 3;
const DEFAULT_MAX_ITEM_SIZE = 1024 * 1024;

export function createWebApp(dependencies: WebDependencies): WebApp {
  const ownSource = !("source" in dependencies);
  const source =
    "source" in dependencies
      ? dependencies.source
      : new StoreSource(dependencies.store, dependencies.stats, dependencies.access);
  const rate = new CommandRate();
  const snapshot = async () => statsSnapshot(await source.state(), source.databaseBytes(), rate);
  const feed = new ChangeFeed(source, snapshot, {
    maxClients: dependencies.maxEventClients ?? 64,
  });
  const hosts = allowedHosts(dependencies.host ?? "127.0.0.1", dependencies.port ?? 8000);
  const app = new Hono();

  app.use(timing({ totalDescription: "app" }));
  app.use(securityHeaders);
  app.use(hostCheck(hosts));
  if (source.access !== undefined) app.use(monitorAuth(source.access));
  // Event streams are left alone (the middleware skips text/event-stream), as are assets, already compressed.
  app.use(compress());

  app.get("/", async (c) => {
    const assets = await loadClientAssets();
    const parameters = rawQueryParameters(c.req.url);
    const query = parseKeyPageQuery(c.req.url);
    const openKey = keyParameter(parameters, "key");
    if (openKey !== undefined && openKey.length > 0) startPageAt(source, query, openKey);
    const page = loadKeyPage(source, query);
    const [stats, history] = await Promise.all([snapshot(), source.history()]);
    const html = (
      <MonitorPage
        stats={stats}
        history={history}
        page={keyPageJson(page)}
        counts={countKeys(source, page, stats.items)}
        query={pageQueryString(query)}
        openKey={openKey !== undefined && openKey.length > 0 ? encodeKey(openKey) : undefined}
        writes={dependencies.writes ?? false}
        assets={assets}
      />
    ).toString();
    return c.html(`<!doctype html>${html}`);
  });

  app.get("/fragments/keys", async (c) => {
    const query = parseKeyPageQuery(c.req.url);
    const page = loadKeyPage(source, query);
    const itemCount = query.prefix.length === 0 ? (await source.state()).itemCount : 0;
    const html = (
      <KeyList
        page={keyPageJson(page)}
        counts={countKeys(source, page, itemCount)}
        query={pageQueryString(query)}
      />
    ).toString();
    return c.html(html);
  });

  app.get("/fragments/history", async (c) =>
    c.html((<HistoryCharts history={await source.history()} />).toString()),
  );

  app.use("/assets/*", etag());
  app.get("/assets/*", async (c) => (await assetResponse(c)) ?? c.notFound());

  app.use(FAVICON_PATH, etag());
  app.get(FAVICON_PATH, (c) =>
    c.body(FAVICON_SVG, 200, {
      "Content-Type": "image/svg+xml",
      "Cache-Control": "public, max-age=86400",
    }),
  );

  app.get("/api/keys", (c) =>
    c.json(keyPageJson(loadKeyPage(source, parseKeyPageQuery(c.req.url)))),
  );

  app.get(`${KEY_ROUTE_PREFIX}*`, (c) => {
    const path = new URL(c.req.url).pathname;
    return c.json(itemJson(source, decodeKeyText(path.slice(KEY_ROUTE_PREFIX.length)), c.req.url));
  });

  // The same as /api/keys/:key for keys a browser cannot put in a path ("." and "..").
  app.get("/api/key", (c) => c.json(itemJson(source, requiredKey(c.req.url), c.req.url)));

  // The exact bytes of a value, as a file to save.
  app.get("/api/value", (c) => {
    const key = requiredKey(c.req.url);
    const item = source.getDetails(key);
    if (item === null) throw new ApiError(404, "unknown_key", "no item has this key");
    return c.body(item.value as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": downloadDisposition(key),
      "Cache-Control": "no-store",
    });
  });

  app.get("/api/stats", async (c) => c.json(await snapshot()));

  app.get("/api/history", async (c) => c.json(await source.history()));

  app.get("/api/events", (c) => {
    const stream = feed.open(c.req.raw.signal);
    if (stream === undefined) {
      throw new ApiError(503, "too_many_streams", "too many event streams are open");
    }
    return new Response(stream, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache, no-transform",
        "X-Accel-Buffering": "no",
      },
    });
  });

  addWriteRoutes(app, source, {
    enabled: dependencies.writes ?? false,
    allowedOrigins: new Set([...hosts].map((host) => `http://${host}`)),
    maxItemSize: dependencies.maxItemSize ?? DEFAULT_MAX_ITEM_SIZE,
  });

  app.get("/metrics", async (c) =>
    c.body(renderMetrics(await source.state(), source.databaseBytes()), 200, {
      "Content-Type": METRICS_CONTENT_TYPE,
    }),
  );

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.notFound((c) => c.json({ error: "not_found", message: "no such page" }, 404));

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJson(), error.status);
    if (error instanceof HTTPException) {
      // Hono's own middleware (csrf: a write from another origin) throws these.
      const body: ErrorJson = {
        error: error.status === 403 ? "forbidden" : "http_error",
        message: error.status === 403 ? "this request came from another origin" : error.message,
      };
      return c.json(body, error.status);
    }
    console.error("litecached: monitor request failed:", error);
    return c.json({ error: "internal", message: "internal server error" }, 500);
  });

  return Object.assign(app, {
    closeEventStreams: () => {
      feed.closeAll();
      if (ownSource) source.close();
    },
    sampleHistory: () => source.sampleHistory(),
  });
}

/**
 * `?key=` without a cursor: start the page at that key, one index probe
 * for the key before it, so the page shows the key first whatever its depth.
 */
function startPageAt(store: KeyLister, query: KeyPageQuery, key: Uint8Array): void {
  if (query.after !== undefined || query.before !== undefined) return;
  const [previous] = store.listKeys({ prefix: query.prefix, before: key, limit: 1 });
  if (previous !== undefined) query.after = previous.key;
}

function requiredKey(url: string): Uint8Array {
  const raw = rawQueryParameters(url).get("key");
  if (raw === undefined) throw badRequest("key is required");
  return decodeKeyText(raw);
}

/** A key from the URL (percent-encoded bytes); 400 if the encoding is broken. */
function decodeKeyText(text: string): Uint8Array {
  try {
    return decodeKey(text);
  } catch (error) {
    if (error instanceof KeyDecodeError) throw badRequest(`key: ${error.message}`);
    throw error;
  }
}

/** A file name from the key: its label with anything a file system may refuse replaced. */
function downloadDisposition(key: Uint8Array): string {
  const name = keyLabel(key).replace(/[\\/:*?"<>|\s]/g, "_") || "value";
  const ascii = name.replace(/[^\x20-\x7e]/g, "_");
  return `attachment; filename="${ascii}.bin"; filename*=UTF-8''${encodeURIComponent(name)}.bin`;
}

function itemJson(
  source: Pick<MonitorSource, "getDetails">,
  key: Uint8Array,
  url: string,
): ItemJson {
  if (key.length === 0) throw badRequest("the key is empty");
  const max = integerParameter(rawQueryParameters(url), "max", MAX_VALUE_BYTES, 0, MAX_VALUE_BYTES);
  const item = source.getDetails(key);
  if (item === null) throw new ApiError(404, "unknown_key", "no item has this key");
  const value = item.value.length > max ? item.value.subarray(0, max) : item.value;
  return {
    ...keyJson({ ...item, size: item.value.length }),
    value: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
    truncated: value.length < item.value.length,
  };
}
