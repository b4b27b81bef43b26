/** @jsxImportSource hono/jsx */
/**
 * The stats header's cells. The island keeps them current by writing new
 * text into each `dd[data-stat]`, so this is their only markup.
 */
import type { StatsJson } from "../../../client/shared/api-types.ts";
import { statsDisplay } from "../../../client/shared/format.ts";

export function StatsList(props: { stats: StatsJson }) {
  return (
    <dl class="stats">
      {statsDisplay(props.stats).map((stat) => (
        <div class="stat">
          <dt>{stat.label}</dt>
          <dd data-stat={stat.name}>{stat.value}</dd>
        </div>
      ))}
    </dl>
  );
}
