/** @jsxImportSource solid-js */
/**
 * The monitor's island. The server renders the whole page; this script
 * takes over the stats header and the key list (same markup), reading
 * their starting state from data- attributes, then keeps both current from
 * the event stream and fetches values when a key is opened.
 */
import { createSignal } from "solid-js";
import { createStore, reconcile, unwrap } from "solid-js/store";
import { render } from "solid-js/web";
import { connectEvents, type FeedStatus, fetchKeyPage } from "./api.ts";
import { KeyBrowser } from "./key-browser.tsx";
import { applyChanges, type PageState, pageState } from "./live-page.ts";
import type { KeyPageJson, StatsJson } from "./shared/api-types.ts";
import { decodeKey, keyLabel } from "./shared/key-codec.ts";
import { LiveStatus, StatsBar } from "./stats-bar.tsx";

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
}

function start(): void {
  const keysRoot = element("keys");
  const statsRoot = element("stats");
  const statusRoot = element("live-status");

  const loaded = JSON.parse(keysRoot.dataset.page ?? "") as KeyPageJson;
  const query = keysRoot.dataset.query ?? "";
  const prefix = decodeKey(loaded.prefix);

  const [page, setPage] = createStore<PageState>(pageState(loaded));
  const [stats, setStats] = createSignal(JSON.parse(statsRoot.dataset.stats ?? "") as StatsJson);
  const [status, setStatus] = createSignal<FeedStatus>("connecting");
  // Keyed by key, so rows that stay keep their component (and their open state).
  const showPage = (next: PageState) => setPage(reconcile(next, { key: "key", merge: true }));

  connectEvents({
    stats: setStats,
    changes: (event) => showPage(applyChanges(unwrap(page), event.changes, prefix, loaded.limit)),
    resync: () => {
      fetchKeyPage(query).then(
        (fresh) => showPage(pageState(fresh)),
        (error: unknown) => console.error("litecached: cannot reload the keys:", error),
      );
    },
    status: (next) => {
      setStatus(next);
      statusRoot.dataset.state = next;
    },
  });

  keysRoot.textContent = "";
  render(() => <KeyBrowser page={page} loaded={loaded} prefixLabel={keyLabel(prefix)} />, keysRoot);
  statsRoot.textContent = "";
  render(() => <StatsBar stats={stats()} />, statsRoot);
  statusRoot.textContent = "";
  render(() => <LiveStatus status={status()} />, statusRoot);
}

start();
