/**
 * The island's script and stylesheet: taken from the binary when compiled,
 * built from client/ on first request when run from source (`bun main.ts`),
 * so a fresh clone needs no build step and never serves a stale bundle.
 *
 * Each is served under a name holding a hash of its content
 * (/assets/monitor.3kx9f.js), so browsers may keep it for a year without
 * asking again, and compressed once, when loaded, with brotli and gzip.
 */
import { brotliCompressSync, constants as zlib } from "node:zlib";
import type { Context } from "hono";
import { BUILD_SCRIPT } from "../../build.ts";
import { EMBEDDED_ASSETS } from "./embedded-assets.ts";

export interface ClientAssets {
  script: string;
  css: string;
}

/** A year: the longest lifetime caches honour, for names that change with their content. */
export const IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable";

interface ServedAsset {
  path: string;
  contentType: string;
  etag: string;
  identity: Uint8Array;
  gzip: Uint8Array;
  brotli: Uint8Array;
}

export interface ServedAssets {
  paths: { script: string; css: string };
  byPath: Map<string, ServedAsset>;
}

let loading: Promise<ServedAssets> | undefined;

/** The assets, built and compressed at most once per process. */
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

/**
 * Runs build.ts's asset step in a child process: Babel and the bundler
 * take some 70 MiB that the server would otherwise keep for the rest of
 * its life.
 */
async function buildInChildProcess(): Promise<ClientAssets> {
  const child = Bun.spawn([process.execPath, BUILD_SCRIPT, "--assets-json"], {
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

const encoder = new TextEncoder();

function serve(assets: ClientAssets): ServedAssets {
  const asset = (name: string, extension: string, text: string, contentType: string) => {
    const identity = encoder.encode(text);
    const hash = Bun.hash(identity).toString(36).slice(0, 10);
    return {
      path: `/assets/${name}.${hash}.${extension}`,
      contentType,
      etag: `"${hash}"`,
      identity,
      gzip: Bun.gzipSync(identity, { level: 9 }),
      brotli: new Uint8Array(
        brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
      ),
    } satisfies ServedAsset;
  };
  const script = asset("monitor", "js", assets.script, "text/javascript; charset=utf-8");
  const css = asset("monitor", "css", assets.css, "text/css; charset=utf-8");
  return {
    paths: { script: script.path, css: css.path },
    byPath: new Map([script, css].map((served) => [served.path, served])),
  };
}

/** The asset at this path in the encoding the browser prefers; undefined for an unknown path. */
export async function assetResponse(c: Context): Promise<Response | undefined> {
  const asset = (await loadClientAssets()).byPath.get(c.req.path);
  if (asset === undefined) return undefined;
  const accepted = c.req.header("accept-encoding") ?? "";
  const [encoding, body] = /\bbr\b/.test(accepted)
    ? (["br", asset.brotli] as const)
    : /\bgzip\b/.test(accepted)
      ? (["gzip", asset.gzip] as const)
      : ([undefined, asset.identity] as const);
  c.header("Content-Type", asset.contentType);
  c.header("Cache-Control", IMMUTABLE_CACHE_CONTROL);
  c.header("ETag", asset.etag);
  c.header("Vary", "Accept-Encoding");
  if (encoding !== undefined) c.header("Content-Encoding", encoding);
  return c.body(body as Uint8Array<ArrayBuffer>);
}
