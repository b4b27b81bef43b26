/** @jsxImportSource solid-js */
/**
 * The stats header, live: the same cells as the server-rendered page,
 * refreshed by every `stats` event.
 */
import { For } from "solid-js";
import type { FeedStatus } from "./api.ts";
import type { StatsJson } from "./shared/api-types.ts";
import { statsDisplay } from "./shared/format.ts";

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
