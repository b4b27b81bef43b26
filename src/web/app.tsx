/**
 * The monitor's Hono app: the page on / and a health check.
 */
import { Hono } from "hono";
import type { Stats } from "../stats.ts";
import type { Store } from "../store/store.ts";

export interface WebDependencies {
  store: Store;
  stats: Stats;
}

export function createWebApp({ store, stats }: WebDependencies): Hono {
  const app = new Hono();

  app.get("/", (c) =>
    c.html(
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>litecached</title>
        </head>
        <body>
          <h1>litecached</h1>
          <p>
            {store.itemCount} items, up {stats.uptimeSeconds} s
          </p>
        </body>
      </html>,
    ),
  );

  app.get("/healthz", (c) => c.json({ ok: true }));

  return app;
}
