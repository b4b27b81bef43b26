/** @jsxImportSource solid-js */
/**
 * One key in the list: a toggle button (aria-expanded, keyboard-usable as
 * any button) that fetches the value on opening and hides it on closing.
 * An open item reloads when a change event brings it a new cas.
 */
import { createEffect, createMemo, createSignal, on, Show, untrack } from "solid-js";
import { fetchItem } from "./api.ts";
import { type DetailState, ItemView } from "./item-view.tsx";
import type { KeyJson } from "./shared/api-types.ts";
import { formatBytes } from "./shared/format.ts";
import { decodeKey, keyLabel } from "./shared/key-codec.ts";

let panelCount = 0;

export function KeyRow(props: { summary: KeyJson }) {
  const panelId = `item-${panelCount++}`;
  const label = createMemo(() => keyLabel(decodeKey(props.summary.key)));
  const [open, setOpen] = createSignal(false);
  const [detail, setDetail] = createSignal<DetailState>({ kind: "loading" });
  // Answers to an older request (closed and opened again, or a newer cas) are dropped.
  let latestRequest = 0;

  const load = async () => {
    const request = ++latestRequest;
    if (detail().kind !== "found") setDetail({ kind: "loading" });
    try {
      const result = await fetchItem(props.summary.key);
      if (request === latestRequest) setDetail(result);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (request === latestRequest) setDetail({ kind: "error", message });
    }
  };

  const toggle = () => {
    const opening = !open();
    setOpen(opening);
    if (opening) void load();
    else latestRequest++;
  };

  createEffect(
    on(
      () => props.summary.cas,
      () => {
        if (untrack(open)) void load();
      },
      { defer: true },
    ),
  );

  return (
    <li class="key-row" classList={{ open: open() }}>
      <button
        type="button"
        class="key-toggle"
        aria-expanded={open() ? "true" : "false"}
        aria-controls={panelId}
        onClick={toggle}
      >
        <span class="chevron" aria-hidden="true" />
        <span class="key-label">{label()}</span>
        <span class="key-size">{formatBytes(props.summary.size)}</span>
      </button>
      <div class="item-panel" id={panelId} hidden={!open()}>
        <Show when={open()}>
          <ItemView state={detail()} />
        </Show>
      </div>
    </li>
  );
}
