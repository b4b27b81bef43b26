/** @jsxImportSource solid-js */
/**
 * The key list's behaviour over the server's markup (views/key-list.tsx):
 * opening and closing rows (the value viewer is mounted into the row's
 * panel), copying a key, keeping `?key=` in the URL, and merging the list
 * again from the server when changes touch it. Rows stay the same DOM
 * nodes across merges, so an open row keeps its viewer and focus; an open
 * key that was deleted stays in place, marked; new and changed rows are
 * highlighted for a moment.
 */
import { createSignal } from "solid-js";
import { render } from "solid-js/web";
import { fetchFragment } from "./api.ts";
import { copyText } from "./clipboard.ts";
import { ItemView } from "./item-view.tsx";
import { type ShownPage, touchesPage } from "./live-range.ts";
import type { ChangeJson } from "./shared/api-types.ts";
import { compareKeys, decodeKey } from "./shared/key-codec.ts";

/** At most one list refresh per this interval, whatever the rate of changes. */
const MIN_REFRESH_MS = 1000;
const HIGHLIGHT_MS = 3000;

interface OpenRow {
  dispose: () => void;
  setCas: (cas: string) => void;
  setDeleted: (deleted: boolean) => void;
}

export interface KeyListOptions {
  writes: boolean;
  /** Announces a short message to screen readers (and shows it). */
  announce: (message: string) => void;
  /** Tells the page whether the last refresh failed, with a way to retry. */
  refreshFailed: (message: string | undefined) => void;
}

export class KeyList {
  private readonly open = new Map<string, OpenRow>();
  private refreshing = false;
  private refreshWanted = false;
  private lastRefreshMs = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly root: HTMLElement,
    private readonly options: KeyListOptions,
  ) {
    root.addEventListener("click", (event) => this.onClick(event));
    window.addEventListener("popstate", () => this.followUrl());
  }

  /** Opens the key that the page was asked for (`?key=`), and brings it into view. */
  openFromPage(encodedKey: string | undefined): void {
    if (encodedKey === undefined) return;
    const row = this.row(encodedKey);
    if (row === undefined) {
      this.options.announce("That key is not stored.");
      return;
    }
    this.openRow(row);
    row.scrollIntoView({ block: "center" });
    row.querySelector<HTMLElement>(".key-toggle")?.focus({ preventScroll: true });
  }

  /** Change events arrived: ask the server for the list again if they touch it. */
  changes(changes: readonly ChangeJson[]): void {
    for (const change of changes) {
      if (change.type === "flush") {
        for (const open of this.open.values()) open.setDeleted(true);
      } else if (change.type === "delete") this.open.get(change.key)?.setDeleted(true);
    }
    if (touchesPage(changes, this.shownPage())) this.refresh();
  }

  /** Reloads the list from the server, at most once per MIN_REFRESH_MS. */
  refresh(): void {
    if (this.refreshing || this.refreshTimer !== undefined) {
      this.refreshWanted = true;
      return;
    }
    const wait = this.lastRefreshMs + MIN_REFRESH_MS - Date.now();
    if (wait > 0) {
      this.refreshTimer = setTimeout(() => {
        this.refreshTimer = undefined;
        this.refresh();
      }, wait);
      return;
    }
    void this.load();
  }

  private async load(): Promise<void> {
    this.refreshing = true;
    this.refreshWanted = false;
    this.lastRefreshMs = Date.now();
    try {
      const query = this.view()?.dataset.query ?? "";
      const fragment = await fetchFragment(`/fragments/keys${query === "" ? "" : `?${query}`}`);
      const fresh = fragment.querySelector<HTMLElement>(".key-list-view");
      if (fresh !== null) this.merge(fresh);
      this.options.refreshFailed(undefined);
    } catch (error) {
      this.options.refreshFailed(error instanceof Error ? error.message : String(error));
    } finally {
      this.refreshing = false;
      if (this.refreshWanted) this.refresh();
    }
  }

  private view(): HTMLElement | null {
    return this.root.querySelector<HTMLElement>(".key-list-view");
  }

  private rows(): HTMLElement[] {
    return [...this.root.querySelectorAll<HTMLElement>("li.key-row")];
  }

  private row(encodedKey: string): HTMLElement | undefined {
    return this.rows().find((row) => row.dataset.key === encodedKey);
  }

  private shownPage(): ShownPage {
    const view = this.view();
    return {
      prefix: decodeKey(view?.dataset.prefix ?? ""),
      keys: this.rows()
        .filter((row) => !row.classList.contains("deleted"))
        .map((row) => row.dataset.key ?? ""),
      hasPrevious: view?.querySelector('a[rel="prev"]') != null,
      hasNext: view?.querySelector('a[rel="next"]') != null,
    };
  }

  /** Takes the fresh list's summary and pagers, and brings the rows in line without replacing kept ones. */
  private merge(fresh: HTMLElement): void {
    const current = this.view();
    if (current === null) return;
    const focused = document.activeElement;
    const kept = new Map(this.rows().map((row) => [row.dataset.key ?? "", row]));
    const desired: HTMLElement[] = [];
    for (const freshRow of fresh.querySelectorAll<HTMLElement>("li.key-row")) {
      const key = freshRow.dataset.key ?? "";
      const old = kept.get(key);
      kept.delete(key);
      if (old === undefined) {
        highlight(freshRow, "added");
        desired.push(freshRow);
        continue;
      }
      if (old.dataset.cas !== freshRow.dataset.cas || old.classList.contains("deleted")) {
        old.dataset.cas = freshRow.dataset.cas;
        old.classList.remove("deleted");
        const size = old.querySelector(".key-size");
        if (size !== null)
          size.textContent = freshRow.querySelector(".key-size")?.textContent ?? "";
        const open = this.open.get(key);
        open?.setDeleted(false);
        open?.setCas(freshRow.dataset.cas ?? "");
        highlight(old, "changed");
      }
      desired.push(old);
    }
    // An open key that left the list stays where it was, marked deleted.
    for (const [key, row] of kept) {
      const open = this.open.get(key);
      if (open === undefined) continue;
      row.classList.add("deleted");
      open.setDeleted(true);
      const bytes = decodeKey(key);
      const at = desired.findIndex(
        (other) => compareKeys(decodeKey(other.dataset.key ?? ""), bytes) > 0,
      );
      desired.splice(at === -1 ? desired.length : at, 0, row);
    }
    this.replaceParts(current, fresh, desired);
    if (
      focused instanceof HTMLElement &&
      focused.isConnected &&
      document.activeElement !== focused
    ) {
      focused.focus({ preventScroll: true });
    }
  }

  private replaceParts(current: HTMLElement, fresh: HTMLElement, desired: HTMLElement[]): void {
    current.dataset.query = fresh.dataset.query ?? "";
    current.dataset.prefix = fresh.dataset.prefix ?? "";
    const swap = (selector: string) => {
      const mine = current.querySelector(selector);
      const theirs = fresh.querySelector(selector);
      if (mine !== null && theirs !== null) mine.replaceWith(theirs);
      else if (mine !== null) mine.remove();
      else if (theirs !== null) current.append(theirs);
    };
    swap(".list-head");
    swap(".empty-list");
    let list = current.querySelector("ul.key-list");
    if (desired.length === 0) {
      list?.remove();
    } else {
      if (list === null) {
        list = fresh.querySelector("ul.key-list") ?? document.createElement("ul");
        list.className = "key-list";
        current.querySelector(".list-head")?.after(list);
      }
      reorder(list, desired);
    }
    const bottom = current.querySelector(".pager-bottom");
    const freshBottom = fresh.querySelector(".pager-bottom");
    bottom?.remove();
    if (freshBottom !== null || desired.length > 0) {
      const pager = freshBottom ?? current.querySelector(".pager-top")?.cloneNode(true);
      if (pager instanceof HTMLElement) {
        pager.classList.replace("pager-top", "pager-bottom");
        current.append(pager);
      }
    }
  }

  private onClick(event: MouseEvent): void {
    const target = event.target as HTMLElement;
    const row = target.closest<HTMLElement>("li.key-row");
    if (row === null || !this.root.contains(row)) return;
    if (target.closest(".copy-key") !== null) {
      void this.copyKey(row);
      return;
    }
    const onToggle = target.closest(".key-toggle") !== null;
    const onHead = target.closest(".key-head") !== null;
    // A click that ends a text selection on the key is for copying, not toggling.
    const selecting = !onToggle && window.getSelection()?.isCollapsed === false;
    if ((onToggle || onHead) && !selecting) this.toggle(row);
  }

  private async copyKey(row: HTMLElement): Promise<void> {
    const label = row.querySelector(".key-label")?.textContent ?? "";
    const copied = await copyText(label);
    this.options.announce(copied ? `Copied the key ${label}` : "Copy failed");
  }

  private toggle(row: HTMLElement): void {
    const key = row.dataset.key ?? "";
    if (this.open.has(key)) {
      this.closeRow(row);
      setUrlKey(undefined);
    } else {
      this.openRow(row);
      setUrlKey(key);
    }
  }

  private openRow(row: HTMLElement): void {
    const key = row.dataset.key ?? "";
    const panel = row.querySelector<HTMLElement>(".item-panel");
    if (this.open.has(key) || panel === null) return;
    const [cas, setCas] = createSignal(row.dataset.cas ?? "");
    const [deleted, setDeleted] = createSignal(row.classList.contains("deleted"));
    const label = row.querySelector(".key-label")?.textContent ?? "";
    panel.hidden = false;
    row.classList.add("open");
    row.querySelector(".key-toggle")?.setAttribute("aria-expanded", "true");
    const dispose = render(
      () => (
        <ItemView
          encodedKey={key}
          label={label}
          cas={cas}
          deleted={deleted}
          writes={this.options.writes}
        />
      ),
      panel,
    );
    this.open.set(key, { dispose, setCas, setDeleted });
  }

  private closeRow(row: HTMLElement): void {
    const key = row.dataset.key ?? "";
    this.open.get(key)?.dispose();
    this.open.delete(key);
    const panel = row.querySelector<HTMLElement>(".item-panel");
    if (panel !== null) {
      panel.hidden = true;
      panel.textContent = "";
    }
    row.classList.remove("open");
    row.querySelector(".key-toggle")?.setAttribute("aria-expanded", "false");
    // A deleted key has nothing left to show once closed.
    if (row.classList.contains("deleted")) {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      next?.querySelector<HTMLElement>(".key-toggle")?.focus();
    }
  }

  /** Back and forward: open the key the URL names, close the others. */
  private followUrl(): void {
    const wanted = urlKey();
    for (const row of this.rows()) {
      const key = row.dataset.key ?? "";
      if (key !== wanted && this.open.has(key)) this.closeRow(row);
    }
    if (wanted !== undefined && !this.open.has(wanted)) {
      const row = this.row(wanted);
      if (row === undefined) window.location.reload();
      else this.openRow(row);
    }
  }
}

/** Makes the children of `list` exactly `rows`, in order, moving only what must move. */
function reorder(list: Element, rows: readonly HTMLElement[]): void {
  let cursor = list.firstElementChild;
  for (const row of rows) {
    if (row === cursor) {
      cursor = cursor.nextElementSibling;
      continue;
    }
    list.insertBefore(row, cursor);
  }
  while (cursor !== null) {
    const next = cursor.nextElementSibling;
    cursor.remove();
    cursor = next;
  }
}

function highlight(row: HTMLElement, kind: "added" | "changed"): void {
  row.classList.add(`row-${kind}`);
  setTimeout(() => row.classList.remove(`row-${kind}`), HIGHLIGHT_MS);
}

/** The `key` parameter of the address bar, still percent-encoded (keys are bytes). */
function urlKey(): string | undefined {
  for (const part of window.location.search.slice(1).split("&")) {
    if (part.startsWith("key=")) return part.slice(4);
  }
  return undefined;
}

/** Puts `key=` in the address bar (or takes it out), keeping the rest of the query as it is. */
function setUrlKey(encodedKey: string | undefined): void {
  const parts = window.location.search
    .slice(1)
    .split("&")
    .filter((part) => part !== "" && !part.startsWith("key="));
  if (encodedKey !== undefined) parts.push(`key=${encodedKey}`);
  const search = parts.length === 0 ? "" : `?${parts.join("&")}`;
  if (search !== window.location.search) {
    window.history.pushState(null, "", `${window.location.pathname}${search}`);
  }
}
