/**
 * The island's calls to the monitor's JSON API and event stream.
 */
import {
  type ChangesEventJson,
  EVENT,
  type ItemJson,
  type KeyPageJson,
  type StatsJson,
} from "./shared/api-types.ts";

/** How much of a value the island asks for; the rest is summarised, not shown. */
export const VALUE_PREVIEW_BYTES = 256 * 1024;

/**
 * The URL of one item. Browsers resolve a path segment of "." or ".." (even
 * as %2E) before sending, so those two keys go in the query string instead.
 */
export function itemUrl(encodedKey: string): string {
  const max = `max=${VALUE_PREVIEW_BYTES}`;
  if (encodedKey === "." || encodedKey === "..") return `/api/key?key=${encodedKey}&${max}`;
  return `/api/keys/${encodedKey}?${max}`;
}

export type ItemResult = { kind: "found"; item: ItemJson } | { kind: "missing" };

export async function fetchItem(encodedKey: string): Promise<ItemResult> {
  const response = await fetch(itemUrl(encodedKey), { headers: { accept: "application/json" } });
  if (response.status === 404) return { kind: "missing" };
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  return { kind: "found", item: (await response.json()) as ItemJson };
}

export async function fetchKeyPage(query: string): Promise<KeyPageJson> {
  const response = await fetch(`/api/keys${query}`, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  return (await response.json()) as KeyPageJson;
}

export type FeedStatus = "connecting" | "live" | "reconnecting" | "offline";

export interface FeedHandlers {
  stats(stats: StatsJson): void;
  changes(event: ChangesEventJson): void;
  /** Changes were missed (a burst, or a broken connection): reload the page's keys. */
  resync(): void;
  status(status: FeedStatus): void;
}

export function connectEvents(handlers: FeedHandlers): EventSource {
  const source = new EventSource("/api/events");
  let missedChanges = false;
  handlers.status("connecting");
  source.addEventListener("open", () => {
    handlers.status("live");
    if (missedChanges) handlers.resync();
    missedChanges = false;
  });
  source.addEventListener("error", () => {
    missedChanges = true;
    handlers.status(source.readyState === EventSource.CLOSED ? "offline" : "reconnecting");
  });
  source.addEventListener(EVENT.stats, (event) => handlers.stats(JSON.parse(event.data)));
  source.addEventListener(EVENT.changes, (event) => handlers.changes(JSON.parse(event.data)));
  source.addEventListener(EVENT.resync, () => handlers.resync());
  return source;
}
