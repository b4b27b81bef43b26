/** @jsxImportSource solid-js */
/**
 * The monitor's island. The server renders the whole page, every piece of
 * markup included; this script brings it to life: it writes new numbers
 * into the stats cells, shows when the page is offline and since when,
 * refreshes the charts and the key list from server-rendered fragments,
 * opens keys into the value viewer (the one Solid component), and sends
 * the write tools' forms when --monitor-writes is on.
 */
import { connectEvents, type FeedStatus, fetchFragment } from "./api.ts";
import { KeyList } from "./key-list.tsx";
import type { StatsJson } from "./shared/api-types.ts";
import { formatTimestamp, statsDisplay } from "./shared/format.ts";
import { startWriteTools } from "./write-tools.ts";

/** The charts gain a sample every 5 s on the server; fetching them that often is enough. */
const HISTORY_REFRESH_MS = 5000;
/** The stylesheet's phone breakpoint. */
const PHONE_WIDTH = "(max-width: 576px)";

function element(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
}

const STATUS_TEXT: Record<FeedStatus, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "offline, reconnecting…",
  offline: "offline",
};

function start(): void {
  const status = element("live-status");
  const announcer = element("announcer");
  const listProblem = element("list-problem");
  let lastUpdateMs = Date.now();
  let feedStatus: FeedStatus = "connecting";

  const announce = (message: string) => {
    announcer.textContent = message;
  };

  const list = new KeyList(element("keys"), {
    writes: document.body.dataset.writes === "on",
    announce,
    refreshFailed: (message) => {
      listProblem.hidden = message === undefined;
      const text = listProblem.querySelector(".problem-text");
      if (text !== null) text.textContent = `The list could not be refreshed: ${message ?? ""}.`;
    },
  });
  listProblem.querySelector("button")?.addEventListener("click", () => list.refresh());

  const showStatus = () => {
    status.dataset.state = feedStatus;
    document.body.dataset.live = feedStatus;
    status.textContent =
      feedStatus === "live" || feedStatus === "connecting"
        ? STATUS_TEXT[feedStatus]
        : `${STATUS_TEXT[feedStatus]} Last update ${formatTimestamp(lastUpdateMs)}`;
  };

  connectEvents({
    stats: (stats: StatsJson) => {
      lastUpdateMs = Date.now();
      for (const stat of statsDisplay(stats)) {
        const cell = document.querySelector(`[data-stat="${stat.name}"]`);
        if (cell !== null) cell.textContent = stat.value;
      }
    },
    changes: (event) => list.changes(event.changes),
    resync: () => list.refresh(),
    status: (next) => {
      feedStatus = next;
      showStatus();
    },
  });

  // On a phone the charts start folded, so that the first keys show without scrolling.
  const history = element("history");
  if (history instanceof HTMLDetailsElement && window.matchMedia(PHONE_WIDTH).matches) {
    history.open = false;
  }
  const charts = element("history-charts");
  setInterval(() => {
    if (feedStatus !== "live") return;
    fetchFragment("/fragments/history").then(
      (fragment) => charts.replaceChildren(fragment),
      () => {
        // The event stream reports the server's absence; the next round tries again.
      },
    );
  }, HISTORY_REFRESH_MS);

  startWriteTools({ announce });
  list.openFromPage(document.body.dataset.openKey);
}

start();
