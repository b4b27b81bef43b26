/** @jsxImportSource solid-js */
/**
 * The value viewer of an opened key, the island's one piece of markup: the
 * item's metadata, its value (text, JSON re-indented or a hex dump), and
 * what can be done with it: show the whole value, download its exact
 * bytes, copy it, and with --monitor-writes edit or delete it. Values are
 * set as text nodes only, so a value holding markup stays inert.
 */
import { createEffect, createMemo, createSignal, on, onCleanup, Show } from "solid-js";
import { downloadUrl, fetchItem, postWrite } from "./api.ts";
import { copyText } from "./clipboard.ts";
import type { ItemJson } from "./shared/api-types.ts";
import { formatBytes, formatCount, formatTimestamp } from "./shared/format.ts";
import {
  BYTES_PER_LINE,
  base64ToBytes,
  describeValue,
  MAX_DUMP_BYTES,
  NARROW_BYTES_PER_LINE,
  type ValueKind,
  type ValueView,
} from "./value-format.ts";

export interface ItemViewProps {
  /** The key, percent-encoded. */
  encodedKey: string;
  label: string;
  /** The cas shown in the list: a new one reloads the value. */
  cas: () => string;
  /** The key was deleted while open: the view stays, says so, and offers no more reloads. */
  deleted: () => boolean;
  writes: boolean;
}

type LoadState =
  | { kind: "loading" }
  | { kind: "missing" }
  | { kind: "error"; message: string }
  | { kind: "found"; item: ItemJson; whole: boolean };

const FORMAT_NAMES: Record<ValueKind, string> = {
  text: "UTF-8 text",
  json: "JSON",
  binary: "binary",
};
const STATUS_MS = 3000;
/** The stylesheet's phone breakpoint: hex dumps there take 8 bytes a line. */
const PHONE_WIDTH = "(max-width: 576px)";
const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function ItemView(props: ItemViewProps) {
  const [state, setState] = createSignal<LoadState>({ kind: "loading" });
  // Answers to an older request (a newer cas, or "show whole" clicked meanwhile) are dropped.
  let latestRequest = 0;

  const load = async (whole: boolean) => {
    const request = ++latestRequest;
    if (state().kind !== "found") setState({ kind: "loading" });
    try {
      const result = await fetchItem(props.encodedKey, whole);
      if (request !== latestRequest) return;
      setState(result.kind === "found" ? { ...result, whole } : result);
    } catch (error) {
      if (request === latestRequest) setState({ kind: "error", message: errorMessage(error) });
    }
  };
  void load(false);

  const wasWhole = () => {
    const current = state();
    return current.kind === "found" && current.whole;
  };
  createEffect(
    on(
      props.cas,
      () => {
        if (!props.deleted()) void load(wasWhole());
      },
      { defer: true },
    ),
  );

  return (
    <div class="item-detail">
      <Show when={props.deleted()}>
        <p class="item-status item-deleted" role="status">
          This key was deleted. What it held is shown below until you close it.
        </p>
      </Show>
      <Show when={state().kind === "loading"}>
        <p class="item-status" aria-busy="true">
          Loading the value…
        </p>
      </Show>
      <Show when={state().kind === "missing"}>
        <p class="item-status">This key no longer exists.</p>
      </Show>
      <Show when={state().kind === "error" && (state() as { message: string })}>
        {(failed) => (
          <p class="item-status item-error" role="alert">
            Could not load the value: {failed().message}{" "}
            <button type="button" class="secondary outline retry" onClick={() => load(wasWhole())}>
              Retry
            </button>
          </p>
        )}
      </Show>
      <Show when={state().kind === "found" && (state() as LoadState & { kind: "found" })}>
        {(found) => (
          <ItemDetail
            item={found().item}
            props={props}
            onShowWhole={() => load(true)}
            onError={(message) => setState({ kind: "error", message })}
          />
        )}
      </Show>
    </div>
  );
}

function ItemDetail(detail: {
  item: ItemJson;
  props: ItemViewProps;
  onShowWhole: () => void;
  onError: (message: string) => void;
}) {
  const bytes = createMemo(() => base64ToBytes(detail.item.value));
  const bytesPerLine = window.matchMedia(PHONE_WIDTH).matches
    ? NARROW_BYTES_PER_LINE
    : BYTES_PER_LINE;
  const view = createMemo<ValueView>(() => {
    const complete = bytes().length >= detail.item.size;
    // The whole value, once asked for, is dumped whole; a preview's dump stops at 64 KiB.
    const maxDump = complete && detail.item.size > 0 ? detail.item.size : MAX_DUMP_BYTES;
    return describeValue(bytes(), detail.item.size, maxDump, bytesPerLine);
  });
  const partial = () => view().shownBytes < detail.item.size;
  const [status, setStatus] = createSignal("");
  const [editing, setEditing] = createSignal(false);
  let statusTimer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(statusTimer));
  const say = (message: string) => {
    setStatus(message);
    clearTimeout(statusTimer);
    statusTimer = setTimeout(() => setStatus(""), STATUS_MS);
  };

  const formatLabel = () => {
    const name = FORMAT_NAMES[view().kind];
    return partial() ? `${name}, first ${formatBytes(view().shownBytes)}` : name;
  };
  /** Copy says what it copies: the bytes fetched so far, as text or (binary) base64. */
  const copyLabel = () => {
    const what =
      bytes().length < detail.item.size ? ` the first ${formatBytes(bytes().length)}` : "";
    return view().kind === "binary"
      ? `Copy${what} as base64`
      : `Copy${what === "" ? " value" : what}`;
  };
  const copy = async () => {
    const current = view();
    const text = current.kind === "binary" ? detail.item.value : (current.text ?? "");
    const copied = current.kind === "binary" ? bytes().length : current.shownBytes;
    say((await copyText(text)) ? `Copied ${formatBytes(copied)}` : "Copy failed");
  };
  const remove = async () => {
    if (!window.confirm(`Delete the key “${detail.props.label}”?`)) return;
    try {
      await postWrite("/api/delete", { key: detail.props.encodedKey });
      say("Deleted");
    } catch (error) {
      say(`Not deleted: ${errorMessage(error)}`);
    }
  };

  return (
    <>
      <dl class="item-meta">
        <div>
          <dt>Size</dt>
          <dd title={`${formatCount(detail.item.size)} bytes`}>{formatBytes(detail.item.size)}</dd>
        </div>
        <div>
          <dt>Flags</dt>
          <dd>{detail.item.flags}</dd>
        </div>
        <div>
          <dt>CAS</dt>
          <dd>{detail.item.cas}</dd>
        </div>
        <div>
          <dt>Modified</dt>
          <dd>
            <time datetime={new Date(detail.item.modified).toISOString()}>
              {formatTimestamp(detail.item.modified)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Format</dt>
          <dd class="item-format">{formatLabel()}</dd>
        </div>
      </dl>
      <Show when={partial()}>
        <p class="item-note">
          Showing the first {formatBytes(view().shownBytes)} of {formatBytes(detail.item.size)}.{" "}
          <Show when={bytes().length < detail.item.size || view().kind === "binary"}>
            <button type="button" class="secondary outline show-whole" onClick={detail.onShowWhole}>
              Show the whole value
            </button>
          </Show>
        </p>
      </Show>
      <div class="item-actions">
        <button type="button" class="secondary outline copy-button" onClick={copy}>
          {copyLabel()}
        </button>
        <a
          class="secondary outline download-link"
          href={downloadUrl(detail.props.encodedKey)}
          download=""
        >
          Download ({formatBytes(detail.item.size)})
        </a>
        <Show when={detail.props.writes && !detail.props.deleted()}>
          <Show when={view().kind !== "binary" && !partial()}>
            <button
              type="button"
              class="secondary outline edit-button"
              aria-expanded={editing() ? "true" : "false"}
              onClick={() => setEditing(!editing())}
            >
              Edit
            </button>
          </Show>
          <button type="button" class="secondary outline danger delete-button" onClick={remove}>
            Delete
          </button>
        </Show>
        <span class="action-status" role="status">
          {status()}
        </span>
      </div>
      <Show when={editing()}>
        <EditForm
          encodedKey={detail.props.encodedKey}
          text={view().text ?? ""}
          flags={detail.item.flags}
          onDone={(message) => {
            setEditing(false);
            say(message);
          }}
          onError={(message) => say(message)}
        />
      </Show>
      <Show when={detail.item.size > 0} fallback={<p class="item-note">The value is empty.</p>}>
        <pre class={`value value-${view().kind}`} tabindex="0">
          <code>{view().display}</code>
        </pre>
      </Show>
    </>
  );
}

function EditForm(props: {
  encodedKey: string;
  text: string;
  flags: number;
  onDone: (message: string) => void;
  onError: (message: string) => void;
}) {
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    try {
      await postWrite("/api/set", {
        key: props.encodedKey,
        value: String(form.get("value") ?? ""),
        flags: String(form.get("flags") ?? "0"),
      });
      props.onDone("Saved");
    } catch (error) {
      props.onError(`Not saved: ${errorMessage(error)}`);
    }
  };
  return (
    <form class="edit-form" onSubmit={submit}>
      <label>
        Value
        <textarea name="value" rows={8} spellcheck={false} value={props.text} />
      </label>
      <label>
        Flags
        <input name="flags" type="number" min="0" max="4294967295" value={props.flags} />
      </label>
      <button type="submit">Save</button>
    </form>
  );
}
