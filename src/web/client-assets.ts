/**
 * The island's script and stylesheet: taken from the binary when compiled,
 * built from client/ on first request when run from source (`bun main.ts`),
 * so a fresh clone needs no build step and never serves a stale bundle.
 * Served with an ETag so browsers revalidate cheaply.
 */
import { join } from "node:path";
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
  return EMBEDDED_ASSETS ?? (await buildInChildProcess());
}

const REPOSITORY_ROOT = join(import.meta.dir, "..", "..");

/**
 * Runs client-build.ts in a child process: Babel and the bundler take some
 * 70 MiB that the server would otherwise keep for the rest of its life.
 */
async function buildInChildProcess(): Promise<ClientAssets> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "client-build.ts")], {
    cwd: REPOSITORY_ROOT,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [output, errors, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (exitCode !== 0) {
    throw new Error(`building the monitor's assets failed (exit ${exitCode}): ${errors.trim()}`);
  }
  return JSON.parse(output) as ClientAssets;
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
