/**
 * The page of keys on screen, kept current by change events: a key set
 * over memcached joins the list when it sorts inside the page's range,
 * a deleted key leaves it, a flush empties it. The page never grows past
 * its limit: the last key moves on to the next page instead.
 */
import type { ChangeJson, KeyJson, KeyPageJson } from "./shared/api-types.ts";
import { compareKeys, decodeKey, startsWith } from "./shared/key-codec.ts";

export interface PageState {
  keys: KeyJson[];
  hasNext: boolean;
  hasPrevious: boolean;
}

export function pageState(page: KeyPageJson): PageState {
  return { keys: page.keys, hasNext: page.next !== null, hasPrevious: page.previous !== null };
}

export function applyChanges(
  state: PageState,
  changes: readonly ChangeJson[],
  prefix: Uint8Array,
  limit: number,
): PageState {
  let { keys, hasNext, hasPrevious } = state;
  keys = [...keys];
  for (const change of changes) {
    if (change.type === "flush") {
      keys = [];
      hasNext = false;
      hasPrevious = false;
      continue;
    }
    const bytes = decodeKey(change.key);
    const { found, index } = findKey(keys, bytes);
    if (change.type === "delete") {
      if (found) keys.splice(index, 1);
      continue;
    }
    const { type: _type, ...summary } = change;
    if (found) {
      keys[index] = summary;
    } else if (belongsOnPage(keys, hasNext, hasPrevious, bytes, prefix)) {
      keys.splice(index, 0, summary);
      if (keys.length > limit) {
        keys.pop();
        hasNext = true;
      }
    }
  }
  return { keys, hasNext, hasPrevious };
}

/** Binary search in the page, which is sorted by key bytes. */
function findKey(keys: readonly KeyJson[], bytes: Uint8Array): { found: boolean; index: number } {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    const order = compareKeys(decodeKey((keys[middle] as KeyJson).key), bytes);
    if (order === 0) return { found: true, index: middle };
    if (order < 0) low = middle + 1;
    else high = middle;
  }
  return { found: false, index: low };
}

function belongsOnPage(
  keys: readonly KeyJson[],
  hasNext: boolean,
  hasPrevious: boolean,
  bytes: Uint8Array,
  prefix: Uint8Array,
): boolean {
  if (!startsWith(bytes, prefix)) return false;
  const first = keys[0];
  const last = keys.at(-1);
  if (first === undefined || last === undefined) return !hasNext && !hasPrevious;
  if (hasPrevious && compareKeys(bytes, decodeKey(first.key)) < 0) return false;
  if (hasNext && compareKeys(bytes, decodeKey(last.key)) > 0) return false;
  return true;
}
