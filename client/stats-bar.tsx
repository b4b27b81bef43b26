/** @jsxImportSource solid-js */
/**
 * The stats header, live: the same cells as the server-rendered page,
 * refreshed by every `stats` event.
 */
import { For } from "solid-js";
import type { StatsJson } from "../src/web/api-types.ts";
import { statsDisplay } from "../src/web/format.ts";
import type { FeedStatus } from "./api.ts";

export function StatsBar(props: { stats: StatsJson }) {
  return (
    <dl class="stats">
      <For each={statsDisplay(props.stats)}>
        {(stat) => (
          <div class="stat">
            <dt>{stat.label}</dt>
            <dd>{stat.value}</dd>
          </div>
        )}
      </For>
    </dl>
  );
}

const STATUS_TEXT: Record<FeedStatus, string> = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  offline: "offline",
};

export function LiveStatus(props: { status: FeedStatus }) {
  return <>{STATUS_TEXT[props.status]}</>;
}
