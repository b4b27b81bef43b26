/** @jsxImportSource solid-js */
/**
 * A revealed item: its metadata, a copy button and the value, shown as
 * text, pretty-printed JSON or a hex dump. Values are set as text nodes
 * only, so a value holding markup stays inert.
 */
import { createMemo, createSignal, Match, onCleanup, Show, Switch } from "solid-js";
import { copyText } from "./clipboard.ts";
import type { ItemJson } from "./shared/api-types.ts";
import { formatBytes, formatCount, formatTimestamp } from "./shared/format.ts";
import { base64ToBytes, describeValue, type ValueView } from "./value-format.ts";

export type DetailState =
  | { kind: "loading" }
  | { kind: "missing" }
  | { kind: "error"; message: string }
  | { kind: "found"; item: ItemJson };

export function ItemView(props: { state: DetailState }) {
  return (
    <Switch>
      <Match when={props.state.kind === "loading"}>
        <p class="item-status" aria-busy="true">
          Loading the value…
        </p>
      </Match>
      <Match when={props.state.kind === "missing"}>
        <p class="item-status">This key no longer exists.</p>
      </Match>
      <Match when={props.state.kind === "error" && props.state}>
        {(state) => (
          <p class="item-status item-error">Could not load the value: {state().message}</p>
        )}
      </Match>
      <Match when={props.state.kind === "found" && props.state}>
        {(state) => <ItemDetail item={state().item} />}
      </Match>
    </Switch>
  );
}

const FORMAT_NAMES: Record<ValueView["kind"], string> = {
  text: "UTF-8 text",
  json: "JSON",
  binary: "binary",
};

function shownText(view: ValueView): string {
  if (view.kind === "json") return view.pretty;
  if (view.kind === "text") return view.text;
  return view.dump;
}

const COPY_STATUS_MS = 2000;

function ItemDetail(props: { item: ItemJson }) {
  const view = createMemo(() => describeValue(base64ToBytes(props.item.value)));
  const [copyStatus, setCopyStatus] = createSignal("");
  let statusTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(statusTimer));

  const copy = async () => {
    const current = view();
    // Binary values go out as base64: a hex dump is for reading, not pasting.
    const text = current.kind === "binary" ? props.item.value : current.text;
    setCopyStatus((await copyText(text)) ? "Copied" : "Copy failed");
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => setCopyStatus(""), COPY_STATUS_MS);
  };

  return (
    <div class="item-detail">
      <dl class="item-meta">
        <div>
          <dt>Size</dt>
          <dd title={`${formatCount(props.item.size)} bytes`}>{formatBytes(props.item.size)}</dd>
        </div>
        <div>
          <dt>Flags</dt>
          <dd>{props.item.flags}</dd>
        </div>
        <div>
          <dt>CAS</dt>
          <dd>{props.item.cas}</dd>
        </div>
        <div>
          <dt>Modified</dt>
          <dd>
            <time datetime={new Date(props.item.modified).toISOString()}>
              {formatTimestamp(props.item.modified)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Format</dt>
          <dd>{FORMAT_NAMES[view().kind]}</dd>
        </div>
      </dl>
      <div class="item-actions">
        <button type="button" class="secondary outline copy-button" onClick={copy}>
          {view().kind === "binary" ? "Copy as base64" : "Copy value"}
        </button>
        <span class="copy-status" role="status">
          {copyStatus()}
        </span>
      </div>
      <Show when={props.item.truncated}>
        <p class="item-note">
          Showing the first {formatBytes(base64ToBytes(props.item.value).length)} of{" "}
          {formatBytes(props.item.size)}.
        </p>
      </Show>
      <Show when={props.item.size > 0} fallback={<p class="item-note">The value is empty.</p>}>
        <pre class={`value value-${view().kind}`}>
          <code>{shownText(view())}</code>
        </pre>
      </Show>
    </div>
  );
}
