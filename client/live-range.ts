/**
 * Whether a batch of change events touches the page of keys on screen:
 * only then does the island ask the server for the page again. A key
 * outside the prefix, or beyond either edge of a page that has neighbours,
 * changes nothing here. Pure, so it is tested without a browser.
 */
import type { ChangeJson } from "./shared/api-types.ts";
import { compareKeys, decodeKey, startsWith } from "./shared/key-codec.ts";

export interface ShownPage {
  prefix: Uint8Array;
  /** The keys on screen, percent-encoded, in order. */
  keys: readonly string[];
  hasPrevious: boolean;
  hasNext: boolean;
}

export function touchesPage(changes: readonly ChangeJson[], page: ShownPage): boolean {
  const first = page.keys[0];
  const last = page.keys.at(-1);
  const firstBytes = first === undefined ? undefined : decodeKey(first);
  const lastBytes = last === undefined ? undefined : decodeKey(last);
  return changes.some((change) => {
    if (change.type === "flush") return true;
    const key = decodeKey(change.key);
    if (!startsWith(key, page.prefix)) return false;
    if (firstBytes === undefined || lastBytes === undefined) return true;
    if (page.hasPrevious && compareKeys(key, firstBytes) < 0) return false;
    if (page.hasNext && compareKeys(key, lastBytes) > 0) return false;
    return true;
  });
}
