/**
 * One page of the key list, found by keyset pagination: the query string
 * (prefix, after, before, limit) in, the keys and the cursors to the
 * neighbouring pages out. Every step is an index range read of at most
 * limit + 1 rows, so a page costs the same at any depth of a large store.
 */

import type { KeyJson, KeyPageJson } from "../../client/shared/api-types.ts";
import { decodeKey, encodeKey, KeyDecodeError } from "../../client/shared/key-codec.ts";
import type { KeySummary } from "../store/key-reader.ts";
import { badRequest } from "./api-error.ts";
import type { MonitorSource } from "./monitor-source.ts";
import { searchPrefix } from "./search-text.ts";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
/** Longer than any key (250 bytes); a longer cursor or prefix is a mistake. */
const MAX_CURSOR_BYTES = 1024;

export interface KeyPageQuery {
  prefix: Uint8Array;
  after?: Uint8Array;
  before?: Uint8Array;
  limit: number;
}

export interface KeyPage {
  query: KeyPageQuery;
  keys: KeySummary[];
  /** The last key, when more keys follow it. */
  next: Uint8Array | null;
  /** The first key, when more keys precede it. */
  previous: Uint8Array | null;
}

/** Raw (still percent-encoded) query parameters, so that keys are decoded as bytes. */
export function rawQueryParameters(url: string): Map<string, string> {
  const parameters = new Map<string, string>();
  const start = url.indexOf("?");
  if (start === -1) return parameters;
  const end = url.indexOf("#", start);
  const query = url.slice(start + 1, end === -1 ? undefined : end);
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = equals === -1 ? pair : pair.slice(0, equals);
    const value = equals === -1 ? "" : pair.slice(equals + 1);
    if (!parameters.has(name)) parameters.set(name, value);
  }
  return parameters;
}

/** A key given in the query string, as bytes; 400 when it is not valid percent-encoding. */
export function keyParameter(
  parameters: Map<string, string>,
  name: string,
): Uint8Array | undefined {
  const raw = parameters.get(name);
  if (raw === undefined) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = decodeKey(raw, { plusIsSpace: true });
  } catch (error) {
    if (error instanceof KeyDecodeError) throw badRequest(`${name}: ${error.message}`);
    throw error;
  }
  if (bytes.length > MAX_CURSOR_BYTES) {
    throw badRequest(`${name} is longer than ${MAX_CURSOR_BYTES} bytes`);
  }
  return bytes;
}

export function integerParameter(
  parameters: Map<string, string>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = parameters.get(name);
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d{1,10}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw badRequest(`${name} must be a whole number from ${min} to ${max}`);
  }
  return Number(raw);
}

/** A form field's text (UTF-8, `+` for a space); a broken escape is a 400. */
function typedText(raw: string): string {
  try {
    return new TextDecoder().decode(decodeKey(raw, { plusIsSpace: true }));
  } catch (error) {
    if (error instanceof KeyDecodeError) throw badRequest(`q: ${error.message}`);
    throw error;
  }
}

export function parseKeyPageQuery(url: string): KeyPageQuery {
  const parameters = rawQueryParameters(url);
  const after = keyParameter(parameters, "after");
  const before = keyParameter(parameters, "before");
  // An empty cursor is what an empty form field sends: no cursor.
  // `q` is what a person typed in the search box; `prefix` is exact bytes, as links carry it.
  const typed = parameters.get("q");
  const query: KeyPageQuery = {
    prefix:
      typed !== undefined
        ? searchPrefix(typedText(typed))
        : (keyParameter(parameters, "prefix") ?? new Uint8Array(0)),
    limit: integerParameter(parameters, "limit", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
  };
  if (query.prefix.length > MAX_CURSOR_BYTES) {
    throw badRequest(`the search is longer than ${MAX_CURSOR_BYTES} bytes`);
  }
  if (after !== undefined && after.length > 0) query.after = after;
  if (before !== undefined && before.length > 0) query.before = before;
  if (query.after !== undefined && query.before !== undefined) {
    throw badRequest("give after or before, not both");
  }
  return query;
}

/** The query string that loads this page again: "prefix=…&after=…", "" for the first page. */
export function pageQueryString(query: KeyPageQuery): string {
  const parts: string[] = [];
  if (query.prefix.length > 0) parts.push(`prefix=${encodeKey(query.prefix)}`);
  if (query.after !== undefined) parts.push(`after=${encodeKey(query.after)}`);
  if (query.before !== undefined) parts.push(`before=${encodeKey(query.before)}`);
  if (query.limit !== DEFAULT_PAGE_SIZE) parts.push(`limit=${query.limit}`);
  return parts.join("&");
}

/** Whatever lists keys: the Store, or the monitor's source. */
export type KeyLister = Pick<MonitorSource, "listKeys">;

export function loadKeyPage(store: KeyLister, query: KeyPageQuery): KeyPage {
  const { prefix, limit } = query;
  if (query.before !== undefined) {
    const keys = store.listKeys({ prefix, before: query.before, limit: limit + 1 });
    // Paging back to the start can leave a short page; show the full first page instead.
    if (keys.length >= limit) {
      const hasPrevious = keys.length > limit;
      const page = hasPrevious ? keys.slice(1) : keys;
      return finishPage(store, query, page, hasPrevious ? null : false, true);
    }
    return loadKeyPage(store, { prefix, limit });
  }
  const keys = store.listKeys({ prefix, after: query.after, limit: limit + 1 });
  const hasNext = keys.length > limit;
  const page = hasNext ? keys.slice(0, limit) : keys;
  return finishPage(store, query, page, query.after === undefined ? false : null, hasNext);
}

/**
 * Fills in the cursors; `null` for a direction means "not known yet": one
 * more single-row index probe tells whether any key lies beyond that edge.
 */
function finishPage(
  store: KeyLister,
  query: KeyPageQuery,
  keys: KeySummary[],
  hasPrevious: boolean | null,
  hasNext: boolean | null,
): KeyPage {
  const first = keys[0]?.key;
  const last = keys.at(-1)?.key;
  const probe = (direction: "after" | "before", key: Uint8Array): boolean =>
    store.listKeys({ prefix: query.prefix, [direction]: key, limit: 1 }).length > 0;
  const previous = first !== undefined && (hasPrevious ?? probe("before", first)) ? first : null;
  const next = last !== undefined && (hasNext ?? probe("after", last)) ? last : null;
  return { query, keys, next, previous };
}

export function keyJson(summary: KeySummary): KeyJson {
  return {
    key: encodeKey(summary.key),
    size: summary.size,
    flags: summary.flags,
    cas: summary.cas,
    modified: summary.modifiedMs,
  };
}

export function keyPageJson(page: KeyPage): KeyPageJson {
  return {
    prefix: encodeKey(page.query.prefix),
    limit: page.query.limit,
    keys: page.keys.map(keyJson),
    next: page.next === null ? null : encodeKey(page.next),
    previous: page.previous === null ? null : encodeKey(page.previous),
  };
}
