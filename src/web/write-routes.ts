/**
 * The monitor's writes, on only with --monitor-writes: set a key to a text
 * value, delete a key, flush everything. They go through the Store like a
 * memcached write (same group commit, same change feed) and are answered
 * only once durable: the source runs them on the main thread and resolves
 * once the commit holding them is done. Without the flag they answer 403.
 *
 * Cross-site requests: every write is a POST with a form body, which
 * Hono's csrf middleware always checks: the Origin header (or
 * Sec-Fetch-Site) must name this server. Any other body type is refused,
 * so no write can skip that check. (A foreign Host never gets here: the
 * host check comes first.)
 */
import type { Hono, MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import type { WriteResultJson } from "../../client/shared/api-types.ts";
import { decodeKey, KeyDecodeError } from "../../client/shared/key-codec.ts";
import { ApiError, badRequest } from "./api-error.ts";
import type { MonitorSource } from "./monitor-source.ts";

export const WRITE_PATHS = { set: "/api/set", delete: "/api/delete", flush: "/api/flush" } as const;

/** memcached's limit on a key's length. */
const MAX_KEY_BYTES = 250;
const MAX_FLAGS = 0xffff_ffff;
const FORM_BODY = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

export interface WriteOptions {
  enabled: boolean;
  /** Origins ("http://127.0.0.1:8000") a write may come from. */
  allowedOrigins: ReadonlySet<string>;
  maxItemSize: number;
}

type Writer = Pick<MonitorSource, "set" | "delete" | "flush">;

export function addWriteRoutes(app: Hono, writer: Writer, options: WriteOptions): void {
  const guard = writeGuard(options);
  for (const path of Object.values(WRITE_PATHS)) app.use(path, guard);

  app.post(WRITE_PATHS.set, async (c) => {
    const form = await c.req.parseBody();
    const key = formKey(form.key);
    const value = new TextEncoder().encode(textField(form.value, "value"));
    if (value.length > options.maxItemSize) {
      throw badRequest(
        `the value is longer than the item size limit (${options.maxItemSize} bytes)`,
      );
    }
    const flags = flagsField(form.flags);
    const cas = await stored(writer.set(key, value, flags));
    return c.json({ ok: true, cas } satisfies WriteResultJson);
  });

  app.post(WRITE_PATHS.delete, async (c) => {
    const key = formKey((await c.req.parseBody()).key);
    const deleted = await stored(writer.delete(key));
    if (!deleted) throw new ApiError(404, "unknown_key", "no item has this key");
    return c.json({ ok: true } satisfies WriteResultJson);
  });

  app.post(WRITE_PATHS.flush, async (c) => {
    await stored(writer.flush());
    return c.json({ ok: true } satisfies WriteResultJson);
  });
}

function writeGuard(options: WriteOptions): MiddlewareHandler {
  const checkOrigin = csrf({ origin: (origin) => options.allowedOrigins.has(origin) });
  return async (c, next) => {
    if (!options.enabled) {
      throw new ApiError(
        403,
        "writes_disabled",
        "writes are off; start litecached with --monitor-writes",
      );
    }
    if (!FORM_BODY.test(c.req.header("content-type") ?? "")) {
      throw new ApiError(415, "form_body_required", "send writes as a form body");
    }
    return await checkOrigin(c, next);
  };
}

/** A write's durable result; a write that was not stored becomes a 503 naming why. */
async function stored<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw storageFailure(error);
  }
}

function storageFailure(error: unknown): ApiError {
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(503, "storage_failure", `the write was not stored: ${message}`);
}

function textField(field: unknown, name: string): string {
  if (field === undefined) return "";
  if (typeof field !== "string") throw badRequest(`${name} must be text`);
  return field;
}

/** A key sent percent-encoded, checked against memcached's rules (no spaces or controls, 250 bytes). */
function formKey(field: unknown): Uint8Array {
  let key: Uint8Array;
  try {
    key = decodeKey(textField(field, "key"));
  } catch (error) {
    if (error instanceof KeyDecodeError) throw badRequest(`key: ${error.message}`);
    throw error;
  }
  if (key.length === 0) throw badRequest("the key is empty");
  if (key.length > MAX_KEY_BYTES) throw badRequest(`the key is longer than ${MAX_KEY_BYTES} bytes`);
  if (key.some((byte) => byte <= 0x20 || byte === 0x7f)) {
    throw badRequest("a memcached key cannot hold spaces or control characters");
  }
  return key;
}

function flagsField(field: unknown): number {
  const text = textField(field, "flags").trim();
  if (text === "") return 0;
  if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_FLAGS) {
    throw badRequest(`flags must be a whole number from 0 to ${MAX_FLAGS}`);
  }
  return Number(text);
}
