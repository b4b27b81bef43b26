/** @jsxImportSource hono/jsx */
/**
 * The monitor page, rendered on the server with hono/jsx: a skip link, the
 * heading and live status, the stats and their last ten minutes, the
 * search form, the write tools (with --monitor-writes) and the key list.
 * Every piece of markup is written here once; the island (client/) only
 * updates texts, merges list fragments the server renders, and shows the
 * value of an opened key. It reads its settings from data- attributes,
 * never from an inline script.
 */
import type { HistoryJson, KeyPageJson, StatsJson } from "../../../client/shared/api-types.ts";
import { decodeKey, keyLabel } from "../../../client/shared/key-codec.ts";
import type { ServedAssets } from "../client-assets.ts";
import { FAVICON_PATH } from "../favicon.ts";
import type { KeyCounts } from "../key-counts.ts";
import { HistoryCharts } from "./history-charts.tsx";
import { KeyList } from "./key-list.tsx";
import { StatsList } from "./stats-list.tsx";
import { WriteTools } from "./write-tools.tsx";

export interface MonitorPageProps {
  stats: StatsJson;
  history: HistoryJson;
  page: KeyPageJson;
  counts: KeyCounts;
  /** The query string that reloads the list ("prefix=…&after=…"). */
  query: string;
  /** The key to open on load (`?key=`), percent-encoded. */
  openKey: string | undefined;
  writes: boolean;
  assets: Pick<ServedAssets, "paths">;
}

export function MonitorPage(props: MonitorPageProps) {
  const prefixLabel = keyLabel(decodeKey(props.page.prefix));
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>litecached monitor</title>
        <link rel="icon" href={FAVICON_PATH} type="image/svg+xml" />
        <link rel="stylesheet" href={props.assets.paths.css} />
        <script type="module" src={props.assets.paths.script} />
      </head>
      <body data-writes={props.writes ? "on" : "off"} data-open-key={props.openKey}>
        <a class="skip-link" href="#keys">
          Skip to the keys
        </a>
        <header class="site-header">
          <div class="container">
            <div class="title-bar">
              <h1>
                <a href="/" class="brand">
                  <span class="brand-mark" aria-hidden="true" />
                  litecached <span class="brand-sub">monitor</span>
                </a>
              </h1>
              <p id="live-status" class="live-status" data-state="static" role="status">
                not live
              </p>
            </div>
            <section id="stats" class="stats-section" aria-label="Server statistics">
              <StatsList stats={props.stats} />
            </section>
            <details id="history" class="history" open>
              <summary>Last 10 minutes</summary>
              <div id="history-charts">
                <HistoryCharts history={props.history} />
              </div>
            </details>
          </div>
        </header>
        <main class="container">
          {/* biome-ignore lint/a11y/useSemanticElements: Pico CSS styles form[role=search] as one joined field. */}
          <form role="search" method="get" action="/" class="key-search">
            <input
              type="search"
              name="q"
              value={prefixLabel}
              placeholder="Prefix, e.g. user:"
              aria-label="Key prefix"
              autocomplete="off"
              spellcheck={false}
            />
            <input type="submit" value="Search" />
          </form>
          {prefixLabel !== "" && (
            <p class="search-clear">
              <a href="/">Clear the search</a>
            </p>
          )}
          {props.writes && <WriteTools />}
          <p id="list-problem" class="list-problem" role="alert" hidden>
            <span class="problem-text" />{" "}
            <button type="button" class="secondary outline">
              Retry
            </button>
          </p>
          <section id="keys" aria-label="Keys" tabindex={-1}>
            <KeyList page={props.page} counts={props.counts} query={props.query} />
          </section>
        </main>
        <p id="announcer" class="visually-hidden" role="status" aria-live="polite" />
        <footer class="container site-footer">
          <small>
            litecached {props.stats.version} · <a href="/metrics">metrics</a> ·{" "}
            <a href="/api/stats">stats JSON</a> · <a href="/api/history">history JSON</a>
          </small>
        </footer>
      </body>
    </html>
  );
}
