/**
 * The island's script and stylesheet: taken from the binary when compiled,
 * built in memory from client/ on first request when run from source
 * (`bun main.ts`), so a fresh clone needs no build step and never serves a
 * stale bundle. Served with an ETag so browsers revalidate cheaply.
 */
import type { Context } from "hono";
import { EMBEDDED_ASSETS } from "./embedded-assets.ts";

export interface ClientAssets {
  script: string;
  css: string;
}

export const ASSET_PATHS = { script: "/assets/monitor.js", css: "/assets/monitor.css" } as const;

interface ServedAsset {
  body: string;
  etag: string;
  contentType: string;
}

export interface ServedAssets {
  script: ServedAsset;
  css: ServedAsset;
}

let loading: Promise<ServedAssets> | undefined;

/** The assets, built at most once per process. */
export function loadClientAssets(): Promise<ServedAssets> {
  loading ??= resolveAssets()
    .then(serve)
    .catch((error: unknown) => {
      // Let the next request try again (e.g. after fixing a syntax error in client/).
      loading = undefined;
      throw error;
    });
  return loading;
}

async function resolveAssets(): Promise<ClientAssets> {
  if (EMBEDDED_ASSETS !== null) return EMBEDDED_ASSETS;
  const { buildClientAssets } = await import("./client-build.ts");
  return await buildClientAssets();
}

function serve(assets: ClientAssets): ServedAssets {
  const asset = (body: string, contentType: string): ServedAsset => ({
    body,
    contentType,
    etag: `"${Bun.hash(body).toString(36)}"`,
  });
  return {
    script: asset(assets.script, "text/javascript; charset=utf-8"),
    css: asset(assets.css, "text/css; charset=utf-8"),
  };
}

export async function assetResponse(c: Context, which: keyof ServedAssets): Promise<Response> {
  const asset = (await loadClientAssets())[which];
  c.header("ETag", asset.etag);
  c.header("Cache-Control", "no-cache");
  if (c.req.header("if-none-match") === asset.etag) return c.body(null, 304);
  c.header("Content-Type", asset.contentType);
  return c.body(asset.body);
}
