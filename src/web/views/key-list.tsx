/** @jsxImportSource hono/jsx */
/**
 * The key list: a summary with the counts, the pager (above and below the
 * list) and one row per key with its value hidden. The only markup of the
 * list: the page embeds it, and GET /fragments/keys sends it alone for the
 * island to merge in when keys change. hono/jsx escapes every text and
 * attribute, so keys show as text whatever bytes they hold.
 */
import type { KeyJson, KeyPageJson } from "../../../client/shared/api-types.ts";
import { formatBytes, formatCount } from "../../../client/shared/format.ts";
import { decodeKey, keyLabel } from "../../../client/shared/key-codec.ts";
import { COUNT_CAP, type KeyCounts } from "../key-counts.ts";
import { pageHref } from "../page-links.ts";

export interface KeyListProps {
  page: KeyPageJson;
  counts: KeyCounts;
  /** The query string ("prefix=…&after=…") that loads this page again, for the island's refreshes. */
  query: string;
}

export function KeyList(props: KeyListProps) {
  const { page } = props;
  const prefixLabel = keyLabel(decodeKey(page.prefix));
  const ids = renderPrefix();
  return (
    <div class="key-list-view" data-prefix={page.prefix} data-query={props.query}>
      <div class="list-head">
        <p class="list-summary" aria-live="polite">
          {listSummary(props)}
        </p>
        <Pager page={page} position="top" />
      </div>
      {page.keys.length === 0 ? (
        <p class="empty-list">
          {prefixLabel === "" ? (
            "No keys stored yet."
          ) : (
            <>
              No keys start with “{prefixLabel}”. <a href="/">Show all keys</a>
            </>
          )}
        </p>
      ) : (
        <ul class="key-list">
          {page.keys.map((key, index) => (
            <KeyRow summary={key} id={`${ids}-${index}`} />
          ))}
        </ul>
      )}
      {page.keys.length > 0 && <Pager page={page} position="bottom" />}
    </div>
  );
}

/** "101–200 of 1,200 keys starting with “user:”", capped counts said as such. */
export function listSummary(props: KeyListProps): string {
  const { page, counts } = props;
  const prefixLabel = keyLabel(decodeKey(page.prefix));
  const matching = prefixLabel === "" ? "keys" : `keys starting with “${prefixLabel}”`;
  const total = counts.totalCapped
    ? `more than ${formatCount(COUNT_CAP)}`
    : formatCount(counts.total);
  if (page.keys.length === 0) return `0 of ${total} ${matching}`;
  if (counts.before === null) {
    return `${formatCount(page.keys.length)} keys past the first ${formatCount(COUNT_CAP)}, of ${total} ${matching}`;
  }
  const first = counts.before + 1;
  const last = counts.before + page.keys.length;
  return `${formatCount(first)}–${formatCount(last)} of ${total} ${matching}`;
}

/** One key: a disclosure toggle, the key as selectable text, its size and a copy button. */
let renders = 0;

/**
 * A prefix for the row ids of one rendering of the list. Ids are short
 * (a key of 250 odd bytes would take 750 characters per id) and sequential
 * (they compress well), and unique on the page: rows merged in from a
 * later rendering never clash with the rows kept from an earlier one.
 */
function renderPrefix(): string {
  renders = (renders + 1) % Number.MAX_SAFE_INTEGER;
  return `r${renders.toString(36)}`;
}

export function KeyRow(props: { summary: KeyJson; id: string }) {
  const { key, size, cas } = props.summary;
  const label = keyLabel(decodeKey(key));
  const { id } = props;
  return (
    <li class="key-row" data-key={key} data-cas={String(cas)}>
      <div class="key-head">
        <button
          type="button"
          class="key-toggle"
          aria-expanded="false"
          aria-controls={`item-${id}`}
          aria-labelledby={`label-${id}`}
        >
          <span class="chevron" aria-hidden="true" />
        </button>
        <span class="key-label" id={`label-${id}`}>
          {label}
        </span>
        <span class="key-size">{formatBytes(size)}</span>
        <button
          type="button"
          class="copy-key"
          title="Copy the key"
          aria-label="Copy the key"
          aria-describedby={`label-${id}`}
        ></button>
      </div>
      <div class="item-panel" id={`item-${id}`} hidden />
    </li>
  );
}

function Pager(props: { page: KeyPageJson; position: "top" | "bottom" }) {
  const { page } = props;
  return (
    <nav class={`pager pager-${props.position}`} aria-label={`Pages (${props.position})`}>
      <PagerLink
        rel="prev"
        label="← Previous"
        href={page.previous === null ? undefined : pageHref(page.prefix, { before: page.previous })}
      />
      <PagerLink
        rel="next"
        label="Next →"
        href={page.next === null ? undefined : pageHref(page.prefix, { after: page.next })}
      />
    </nav>
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
