/** @jsxImportSource solid-js */
/**
 * The page of keys with its summary and pager: the same markup as the
 * server-rendered list, kept current by the island.
 */
import { For, Show } from "solid-js";
import { KeyRow } from "./key-row.tsx";
import type { PageState } from "./live-page.ts";
import type { KeyPageJson } from "./shared/api-types.ts";
import { pageSummary } from "./shared/format.ts";
import { pageHref } from "./shared/page-links.ts";

export interface KeyBrowserProps {
  page: PageState;
  /** The page as first loaded: its prefix, and cursors to fall back on when the list empties. */
  loaded: KeyPageJson;
  prefixLabel: string;
}

export function KeyBrowser(props: KeyBrowserProps) {
  const previousHref = () => {
    if (!props.page.hasPrevious) return undefined;
    const before = props.page.keys[0]?.key ?? props.loaded.previous;
    return before == null ? undefined : pageHref(props.loaded.prefix, { before });
  };
  const nextHref = () => {
    if (!props.page.hasNext) return undefined;
    const after = props.page.keys.at(-1)?.key ?? props.loaded.next;
    return after == null ? undefined : pageHref(props.loaded.prefix, { after });
  };
  return (
    <>
      <p class="list-summary">{pageSummary(props.page.keys.length, props.prefixLabel)}</p>
      <Show
        when={props.page.keys.length > 0}
        fallback={
          <p class="empty-list">
            {props.prefixLabel === "" ? "No keys stored yet." : "No keys with this prefix."}
          </p>
        }
      >
        <ul class="key-list">
          <For each={props.page.keys}>{(summary) => <KeyRow summary={summary} />}</For>
        </ul>
      </Show>
      <nav class="pager" aria-label="Pages">
        <PagerLink rel="prev" label="← Previous" href={previousHref()} />
        <PagerLink rel="next" label="Next →" href={nextHref()} />
      </nav>
    </>
  );
}

function PagerLink(props: { rel: string; label: string; href: string | undefined }) {
  return (
    <Show
      when={props.href}
      fallback={
        <span class="pager-link" aria-disabled="true">
          {props.label}
        </span>
      }
    >
      {(href) => (
        <a class="pager-link" rel={props.rel} href={href()}>
          {props.label}
        </a>
      )}
    </Show>
  );
}
