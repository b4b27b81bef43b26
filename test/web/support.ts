/**
 * Helpers for the monitor's route tests: a Store in a temporary folder and
 * the Hono app over it, asked through app.request() with a proper Host.
 */
import { join } from "node:path";
import { Stats } from "../../src/stats.ts";
import { Store } from "../../src/store/store.ts";
import { createWebApp, type WebApp } from "../../src/web/app.tsx";
import { temporaryDirectory } from "../support/server.ts";

export const HTTP_PORT = 8000;
export const OWN_HOST = `127.0.0.1:${HTTP_PORT}`;

export interface TestApp {
  app: WebApp;
  store: Store;
  stats: Stats;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** A form POST, from this server's own origin unless the headers say otherwise. */
  post(
    path: string,
    fields: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Stores items and commits, as a batch of memcached writes would. */
  set(key: string | Uint8Array, value: string | Uint8Array, flags?: number): void;
  close(): void;
}

const encoder = new TextEncoder();
export const bytes = (text: string): Uint8Array => encoder.encode(text);

export const OWN_ORIGIN = `http://${OWN_HOST}`;

export function createTestApp(
  options: { host?: string; maxEventClients?: number; writes?: boolean; maxItemSize?: number } = {},
): TestApp {
  const store = new Store(join(temporaryDirectory("litecached-web-"), "database.sqlite"), {
    sync: "normal",
  });
  const stats = new Stats();
  const app = createWebApp({
    store,
    stats,
    host: options.host ?? "127.0.0.1",
    port: HTTP_PORT,
    maxEventClients: options.maxEventClients,
    writes: options.writes,
    maxItemSize: options.maxItemSize,
  });
  return {
    app,
    store,
    stats,
    get: async (path, headers = {}) =>
      await app.request(path, { headers: { host: OWN_HOST, ...headers } }),
    post: async (path, fields, headers = {}) =>
      await app.request(path, {
        method: "POST",
        body: new URLSearchParams(fields),
        headers: { host: OWN_HOST, origin: OWN_ORIGIN, ...headers },
      }),
    set(key, value, flags = 0) {
      store.set(
        typeof key === "string" ? bytes(key) : key,
        typeof value === "string" ? bytes(value) : value,
        flags,
      );
      store.commit();
    },
    close() {
      app.closeEventStreams();
      store.close();
    },
  };
}
