/** @jsxImportSource hono/jsx */
/**
 * The monitor page, rendered on the server with hono/jsx: stats header,
 * prefix search, one page of keys with their values hidden, and links to
 * the neighbouring pages. hono/jsx escapes every text and attribute, so
 * keys show as text whatever bytes they hold. The island (client/) takes
 * over the stats and the key list with the same markup; it reads its
 * starting state from data- attributes, never from an inline script.
 */
import type { KeyJson, KeyPageJson, StatsJson } from "../../../client/shared/api-types.ts";
import { formatBytes, pageSummary, statsDisplay } from "../../../client/shared/format.ts";
import { decodeKey, keyLabel } from "../../../client/shared/key-codec.ts";
import { pageHref } from "../../../client/shared/page-links.ts";
import { ASSET_PATHS } from "../client-assets.ts";
import { FAVICON_PATH } from "../favicon.ts";

export interface MonitorPageProps {
  stats: StatsJson;
  page: KeyPageJson;
  /** The query string this page was asked with ("" or "?..."), for the island's reloads. */
  query: string;
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
        <link rel="stylesheet" href={ASSET_PATHS.css} />
        <script type="module" src={ASSET_PATHS.script} />
      </head>
      <body>
        <header class="site-header">
          <div class="container">
            <nav>
              <ul>
                <li>
                  <a href="/" class="brand">
                    <span class="brand-mark" aria-hidden="true" />
                    <strong>litecached</strong>
                  </a>
                </li>
              </ul>
              <ul>
                <li>
                  <span id="live-status" class="live-status" data-state="static" role="status">
                    not live
                  </span>
                </li>
              </ul>
            </nav>
            <section
              id="stats"
              aria-label="Server statistics"
              data-stats={JSON.stringify(props.stats)}
            >
              <StatsList stats={props.stats} />
            </section>
          </div>
        </header>
        <main class="container">
          {/* biome-ignore lint/a11y/useSemanticElements: Pico CSS styles form[role=search] as one joined field. */}
          <form role="search" method="get" action="/" class="key-search">
            <input
              type="search"
              name="prefix"
              value={prefixLabel}
              placeholder="Key prefix, e.g. user:"
              aria-label="Key prefix"
              autocomplete="off"
              spellcheck={false}
            />
            <input type="submit" value="Search" />
          </form>
          <section
            id="keys"
            aria-label="Keys"
            data-page={JSON.stringify(props.page)}
            data-query={props.query}
          >
            <KeyList page={props.page} prefixLabel={prefixLabel} />
          </section>
        </main>
        <footer class="container site-footer">
          <small>
            litecached {props.stats.version} · <a href="/metrics">metrics</a> ·{" "}
            <a href="/api/stats">stats JSON</a>
          </small>
        </footer>
      </body>
    </html>
  );
}

function StatsList(props: { stats: StatsJson }) {
  return (
    <dl class="stats">
      {statsDisplay(props.stats).map((stat) => (
        <div class="stat">
          <dt>{stat.label}</dt>
          <dd>{stat.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function KeyList(props: { page: KeyPageJson; prefixLabel: string }) {
  const { page } = props;
  return (
    <>
      <p class="list-summary">{pageSummary(page.keys.length, props.prefixLabel)}</p>
      {page.keys.length === 0 ? (
        <p class="empty-list">
          {props.prefixLabel === "" ? "No keys stored yet." : "No keys with this prefix."}
        </p>
      ) : (
        <ul class="key-list">
          {page.keys.map((key, index) => (
            <KeyRow summary={key} index={index} />
          ))}
        </ul>
      )}
      <nav class="pager" aria-label="Pages">
        <PagerLink
          rel="prev"
          label="← Previous"
          href={
            page.previous === null ? undefined : pageHref(page.prefix, { before: page.previous })
          }
        />
        <PagerLink
          rel="next"
          label="Next →"
          href={page.next === null ? undefined : pageHref(page.prefix, { after: page.next })}
        />
      </nav>
    </>
  );
}

function KeyRow(props: { summary: KeyJson; index: number }) {
  const panelId = `item-${props.index}`;
  return (
    <li class="key-row">
      <button type="button" class="key-toggle" aria-expanded="false" aria-controls={panelId}>
        <span class="chevron" aria-hidden="true" />
        <span class="key-label">{keyLabel(decodeKey(props.summary.key))}</span>
        <span class="key-size">{formatBytes(props.summary.size)}</span>
      </button>
      <div class="item-panel" id={panelId} hidden />
    </li>
  );
}

function PagerLink(props: { rel: string; label: string; href: string | undefined }) {
  return props.href === undefined ? (
    <span class="pager-link" aria-disabled="true">
      {props.label}
    </span>
  ) : (
    <a class="pager-link" rel={props.rel} href={props.href}>
      {props.label}
    </a>
  );
}
