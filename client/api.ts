/**
 * The island's calls to the monitor's server: values, list fragments,
 * writes and the event stream.
 */
import {
  type ChangesEventJson,
  type ErrorJson,
  EVENT,
  type ItemJson,
  type StatsJson,
} from "./shared/api-types.ts";

/** How much of a value is fetched when a key is opened; "Show the whole value" fetches the rest. */
export const VALUE_PREVIEW_BYTES = 256 * 1024;

/**
 * The URL of one item. Browsers resolve a path segment of "." or ".." (even
 * as %2E) before sending, so those two keys go in the query string instead.
 */
export function itemUrl(encodedKey: string, maxBytes?: number): string {
  const max = maxBytes === undefined ? "" : `max=${maxBytes}`;
  if (encodedKey === "." || encodedKey === "..") {
    return `/api/key?key=${encodedKey}${max === "" ? "" : `&${max}`}`;
  }
  return `/api/keys/${encodedKey}${max === "" ? "" : `?${max}`}`;
}

/** The exact bytes of a value, as a file (Content-Disposition: attachment). */
export function downloadUrl(encodedKey: string): string {
  return `/api/value?key=${encodedKey}`;
}

export type ItemResult = { kind: "found"; item: ItemJson } | { kind: "missing" };

async function failure(response: Response): Promise<Error> {
  let message = `the server answered ${response.status}`;
  try {
    message = ((await response.json()) as ErrorJson).message;
  } catch {
    // Not JSON: keep the status.
  }
  return new Error(message);
}

export async function fetchItem(encodedKey: string, whole: boolean): Promise<ItemResult> {
  const url = itemUrl(encodedKey, whole ? undefined : VALUE_PREVIEW_BYTES);
  const response = await fetch(url, { headers: { accept: "application/json" } });
  if (response.status === 404) return { kind: "missing" };
  if (!response.ok) throw await failure(response);
  return { kind: "found", item: (await response.json()) as ItemJson };
}

/** Server-rendered HTML (the key list or the charts), to merge into the page. */
export async function fetchFragment(path: string): Promise<DocumentFragment> {
  const response = await fetch(path, { headers: { accept: "text/html" } });
  if (!response.ok) throw await failure(response);
  const template = document.createElement("template");
  // The server's own markup: hono/jsx escaped every key and value in it.
  template.innerHTML = await response.text();
  return template.content;
}

/** A write (with --monitor-writes) as a form POST; resolves once the server says it is durable. */
export async function postWrite(path: string, fields: Record<string, string>): Promise<void> {
  const response = await fetch(path, { method: "POST", body: new URLSearchParams(fields) });
  if (!response.ok) throw await failure(response);
}

export type FeedStatus = "connecting" | "live" | "reconnecting" | "offline";

export interface FeedHandlers {
  stats(stats: StatsJson): void;
  changes(event: ChangesEventJson): void;
  /** Changes were missed (a burst, or a broken connection): reload the page's keys. */
  resync(): void;
  status(status: FeedStatus): void;
}

/** After the server refused the stream (EventSource gives up then), try again this much later. */
const RECONNECT_AFTER_CLOSE_MS = 5000;

/** Follows the event stream, and keeps following it across server restarts and refusals. */
export function connectEvents(handlers: FeedHandlers): void {
  let missedChanges = false;
  const open = () => {
    const source = new EventSource("/api/events");
    handlers.status(missedChanges ? "reconnecting" : "connecting");
    source.addEventListener("open", () => {
      handlers.status("live");
      if (missedChanges) handlers.resync();
      missedChanges = false;
    });
    source.addEventListener("error", () => {
      missedChanges = true;
      if (source.readyState === EventSource.CLOSED) {
        handlers.status("offline");
        setTimeout(open, RECONNECT_AFTER_CLOSE_MS);
      } else {
        handlers.status("reconnecting");
      }
    });
    source.addEventListener(EVENT.stats, (event) => handlers.stats(JSON.parse(event.data)));
    source.addEventListener(EVENT.changes, (event) => handlers.changes(JSON.parse(event.data)));
    source.addEventListener(EVENT.resync, () => handlers.resync());
  };
  open();
}
