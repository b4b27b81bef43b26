/**
 * The text of `stats` and `stats settings`: memcached's field names, in
 * memcached's order, with litecached's values, then litecached's own fields.
 */
import { MEMCACHED_PROTOCOL_VERSION, VERSION } from "../../config.ts";
import type { Stats } from "../../stats.ts";
import type { Store } from "../../store/store.ts";
import type { Settings } from "./commands.ts";

type StatValue = string | number | bigint;

function formatLines(entries: ReadonlyArray<readonly [string, StatValue]>): string {
  let text = "";
  for (const [name, value] of entries) text += `STAT ${name} ${value}\r\n`;
  return `${text}END\r\n`;
}

function seconds(microseconds: number): string {
  return (microseconds / 1e6).toFixed(6);
}

export function formatStats(stats: Stats, store: Store, settings: Settings): string {
  const usage = process.resourceUsage();
  const counters = stats.counters;
  const tier = store.memoryTierStats();
  return formatLines([
    ["pid", process.pid],
    ["uptime", stats.uptimeSeconds],
    ["time", Math.floor(Date.now() / 1000)],
    ["version", MEMCACHED_PROTOCOL_VERSION],
    ["pointer_size", 64],
    ["rusage_user", seconds(usage.userCPUTime)],
    ["rusage_system", seconds(usage.systemCPUTime)],
    ["max_connections", settings.maxConnections],
    ["curr_connections", stats.currentConnections],
    ["total_connections", counters.total_connections],
    ["rejected_connections", counters.rejected_connections],
    ["cmd_get", counters.cmd_get],
    ["cmd_set", counters.cmd_set],
    ["cmd_flush", counters.cmd_flush],
    ["cmd_touch", counters.cmd_touch],
    ["get_hits", counters.get_hits],
    ["get_misses", counters.get_misses],
    ["get_expired", 0],
    ["get_flushed", counters.get_flushed],
    ["delete_misses", counters.delete_misses],
    ["delete_hits", counters.delete_hits],
    ["incr_misses", counters.incr_misses],
    ["incr_hits", counters.incr_hits],
    ["decr_misses", counters.decr_misses],
    ["decr_hits", counters.decr_hits],
    ["cas_misses", counters.cas_misses],
    ["cas_hits", counters.cas_hits],
    ["cas_badval", counters.cas_badval],
    ["touch_hits", counters.touch_hits],
    ["touch_misses", counters.touch_misses],
    ["store_too_large", counters.store_too_large],
    ["store_no_memory", 0],
    ["bytes_read", counters.bytes_read],
    ["bytes_written", counters.bytes_written],
    ["limit_maxbytes", tier.limitBytes],
    ["accepting_conns", 1],
    ["threads", 1],
    // memcached's memory figures describe the memory tier; SQLite's are below.
    ["bytes", tier.bytes],
    ["curr_items", store.itemCount],
    ["total_items", counters.total_items],
    ["evictions", tier.evictions],
    ["reclaimed", 0],
    // litecached's own
    ["litecached_version", VERSION],
    ["store_failed", counters.store_failed],
    ["commits", store.commitCount],
    ["commit_failures", store.commitFailureCount],
    ["database_bytes", store.fileSize],
    ["item_bytes", store.itemBytes],
    ["memory_tier_items", tier.items],
    ["memory_tier_hits", tier.hits],
    ["memory_tier_misses", tier.misses],
    ["sync_mode", settings.sync],
  ]);
}

export function formatSettings(settings: Settings): string {
  return formatLines([
    ["maxbytes", settings.memory],
    ["maxconns", settings.maxConnections],
    ["tcpport", settings.port],
    ["udpport", 0],
    ["inter", settings.host],
    ["verbosity", 0],
    ["oldest", 0],
    ["evictions", "off"],
    ["num_threads", 1],
    ["cas_enabled", "yes"],
    ["binding_protocol", "ascii"],
    ["item_size_max", settings.maxItemSize],
    ["idle_timeout", settings.idleTimeout],
    ["flush_enabled", "yes"],
    ["sync_mode", settings.sync],
  ]);
}

/**
 * `stats items`: litecached has no slab classes, so every item is reported
 * in class 1; tools that walk the classes (memcdump, phpMemcachedAdmin) then
 * find the keys through `stats cachedump 1 <limit>`.
 */
export function formatItems(store: Store): string {
  const count = store.itemCount;
  if (count === 0) return "END\r\n";
  const zero = (name: string): readonly [string, StatValue] => [`items:1:${name}`, 0];
  return formatLines([
    ["items:1:number", count],
    zero("number_hot"),
    zero("number_warm"),
    ["items:1:number_cold", count],
    zero("age_hot"),
    zero("age_warm"),
    zero("age"),
    ["items:1:mem_requested", store.itemBytes],
    zero("evicted"),
    zero("evicted_nonzero"),
    zero("evicted_time"),
    zero("outofmemory"),
    zero("tailrepairs"),
    zero("reclaimed"),
    zero("expired_unfetched"),
    zero("evicted_unfetched"),
  ]);
}
