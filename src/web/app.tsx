/** @jsxImportSource hono/jsx */
/**
 * The monitor's Hono app: the key browser page on /, the JSON API under
 * /api, the event stream, /metrics and /healthz. Every response carries the
 * security headers; requests for a foreign Host are refused first. Errors a
 * request caused become JSON with their status, anything else a generic 500.
 */
import { Hono, type MiddlewareHandler } from "hono";
import type { ItemJson } from "../../client/shared/api-types.ts";
import { decodeKey, KeyDecodeError } from "../../client/shared/key-codec.ts";
import type { Stats } from "../stats.ts";
import type { Store } from "../store/store.ts";
import { ApiError, badRequest } from "./api-error.ts";
import { ASSET_PATHS, assetResponse, loadClientAssets } from "./client-assets.ts";
import { ChangeFeed } from "./events.ts";
import { FAVICON_PATH, FAVICON_SVG } from "./favicon.ts";
import { allowedHosts, hostCheck } from "./host-check.ts";
import {
  integerParameter,
  keyJson,
  keyPageJson,
  loadKeyPage,
  parseKeyPageQuery,
  rawQueryParameters,
} from "./key-page.ts";
import { METRICS_CONTENT_TYPE, renderMetrics } from "./metrics.ts";
import { securityHeaders } from "./security-headers.ts";
import { CommandRate, statsSnapshot } from "./stats-snapshot.ts";
import { MonitorPage } from "./views/monitor-page.tsx";

export interface WebDependencies {
  store: Store;
  stats: Stats;
  /** The address the HTTP server listens on and its port: the Host names it answers to. */
  host?: string;
  port?: number;
  /** Simultaneous event streams (each is an open connection with a timer). */
  maxEventClients?: number;
}

export interface WebApp extends Hono {
  /** Ends open event streams, so that the HTTP server can stop. */
  closeEventStreams(): void;
}

const KEY_ROUTE_PREFIX = "/api/keys/";
/** Largest `max` a client may ask for; the value is cut there and flagged `truncated`. */
const MAX_VALUE_BYTES = 1024 ** 3;

export function createWebApp(dependencies: WebDependencies): WebApp {
  const { store, stats } = dependencies;
  const rate = new CommandRate();
  const snapshot = () => statsSnapshot(store, stats, rate);
  const feed = new ChangeFeed(store, snapshot, {
    maxClients: dependencies.maxEventClients ?? 64,
  });
  const app = new Hono();

  app.use(securityHeaders);
  app.use(serverTiming);
  app.use(hostCheck(allowedHosts(dependencies.host ?? "127.0.0.1", dependencies.port ?? 8000)));

  app.get("/", (c) => {
    const query = parseKeyPageQuery(c.req.url);
    // Start building the island while the browser reads the HTML (from source only).
    void loadClientAssets().catch((error: unknown) => {
      console.error("litecached: cannot build the monitor's script:", error);
    });
    const page = keyPageJson(loadKeyPage(store, query));
    const search = rawSearch(c.req.url);
    const html = (<MonitorPage stats={snapshot()} page={page} query={search} />).toString();
    return c.html(`<!doctype html>${html}`);
  });

  app.get(ASSET_PATHS.script, (c) => assetResponse(c, "script"));
  app.get(ASSET_PATHS.css, (c) => assetResponse(c, "css"));

  app.get(FAVICON_PATH, (c) =>
    c.body(FAVICON_SVG, 200, {
      "Content-Type": "image/svg+xml",
      "Cache-Control": "public, max-age=86400",
    }),
  );

  app.get("/api/keys", (c) =>
    c.json(keyPageJson(loadKeyPage(store, parseKeyPageQuery(c.req.url)))),
  );

  app.get(`${KEY_ROUTE_PREFIX}*`, (c) => {
    const path = new URL(c.req.url).pathname;
    return c.json(itemJson(store, decodeKeyText(path.slice(KEY_ROUTE_PREFIX.length)), c.req.url));
  });

  // The same as /api/keys/:key for keys a browser cannot put in a path ("." and "..").
  app.get("/api/key", (c) => {
    const raw = rawQueryParameters(c.req.url).get("key");
    if (raw === undefined) throw badRequest("key is required");
    return c.json(itemJson(store, decodeKeyText(raw), c.req.url));
  });

  app.get("/api/stats", (c) => c.json(snapshot()));

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

  app.get("/metrics", (c) =>
    c.body(renderMetrics(store, stats), 200, { "Content-Type": METRICS_CONTENT_TYPE }),
  );

  app.get("/healthz", (c) => c.json({ ok: true }));

  app.notFound((c) => c.json({ error: "not_found", message: "no such page" }, 404));

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json(error.toJson(), error.status);
    console.error("litecached: monitor request failed:", error);
    return c.json({ error: "internal", message: "internal server error" }, 500);
  });

  return Object.assign(app, { closeEventStreams: () => feed.closeAll() });
}

/** Reports the time spent in the app (not in the network) as Server-Timing, for browsers' dev tools. */
const serverTiming: MiddlewareHandler = async (c, next) => {
  const started = performance.now();
  await next();
  c.res.headers.set("Server-Timing", `app;dur=${(performance.now() - started).toFixed(2)}`);
};

function rawSearch(url: string): string {
  const start = url.indexOf("?");
  return start === -1 ? "" : url.slice(start);
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

function itemJson(store: Store, key: Uint8Array, url: string): ItemJson {
  if (key.length === 0) throw badRequest("the key is empty");
  const max = integerParameter(rawQueryParameters(url), "max", MAX_VALUE_BYTES, 0, MAX_VALUE_BYTES);
  const item = store.getDetails(key);
  if (item === null) throw new ApiError(404, "unknown_key", "no item has this key");
  const value = item.value.length > max ? item.value.subarray(0, max) : item.value;
  return {
    ...keyJson({ ...item, size: item.value.length }),
    value: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64"),
    truncated: value.length < item.value.length,
  };
}
