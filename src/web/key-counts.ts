/**
 * The numbers around a page of keys: how many keys the search matches and
 * where the page starts among them ("101–200 of 1,200"). Each count is an
 * index range read capped at COUNT_CAP entries, so it stays cheap at a
 * million keys: past the cap the page says "more than 10,000" instead.
 */
import type { KeyPage } from "./key-page.ts";
import type { MonitorSource } from "./monitor-source.ts";

/** Keys counted at most per count; more reads "more than 10,000". */
export const COUNT_CAP = 10_000;

export interface KeyCounts {
  /** Keys matching the prefix (at most COUNT_CAP + 1 when capped). */
  total: number;
  /** True when more than COUNT_CAP keys match and `total` stopped counting there. */
  totalCapped: boolean;
  /** Keys before the page's first key, or null when more than COUNT_CAP precede it. */
  before: number | null;
}

/** `itemCount`: the store's own count of every key, exact and free. */
export function countKeys(
  source: Pick<MonitorSource, "countKeys">,
  page: KeyPage,
  itemCount: number,
): KeyCounts {
  const prefix = page.query.prefix;
  const total = prefix.length === 0 ? itemCount : source.countKeys({ prefix }, COUNT_CAP + 1);
  const first = page.keys[0]?.key;
  const totalCapped = prefix.length > 0 && total > COUNT_CAP;
  if (page.previous === null || first === undefined) return { total, totalCapped, before: 0 };
  const before = source.countKeys({ prefix, before: first }, COUNT_CAP + 1);
  return { total, totalCapped, before: before > COUNT_CAP ? null : before };
}
