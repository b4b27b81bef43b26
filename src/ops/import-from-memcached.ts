/**
 * `litecached import`: copies every item of a running memcached into a
 * litecached database. Keys come from the LRU crawler's metadump, values
 * from pipelined multigets on a second connection, and each batch is
 * written through the Store, so the database ends up exactly as if a client
 * had set every item (flags kept; expiration times are not, as litecached
 * items never expire).
 */
import type { Store } from "../store/store.ts";
import {
  type DumpedKey,
  dumpKeys,
  fetchValues,
  multigetRequest,
  readItemCount,
  readVersion,
  SourceConnection,
} from "./memcached-source.ts";

/** Keys per multiget: one request line stays small (about 25 KB at most). */
const KEYS_PER_GET = 100;
/** Multigets in flight at once on the value connection. */
const GETS_IN_FLIGHT = 10;

export interface ImportProgress {
  /** Keys listed by the source so far. */
  listed: number;
  copied: number;
  /** Listed, but gone (deleted, expired or evicted) by the time its value was asked for. */
  vanished: number;
  bytes: number;
}

export interface ImportSummary extends ImportProgress {
  sourceVersion: string;
  /** What `stats` said when the copy began (curr_items). */
  sourceItems: number;
  /** Copied items that had an expiration time on the source (kept forever here). */
  hadExpiry: number;
}

export interface ImportOptions {
  host: string;
  port: number;
  onProgress?: (progress: ImportProgress) => void;
}

export async function importFromMemcached(
  store: Store,
  options: ImportOptions,
): Promise<ImportSummary> {
  const values = await SourceConnection.open(options.host, options.port);
  let keys: SourceConnection | undefined;
  try {
    const sourceVersion = await readVersion(values);
    const sourceItems = await readItemCount(values);
    keys = await SourceConnection.open(options.host, options.port);
    const summary: ImportSummary = {
      sourceVersion,
      sourceItems,
      listed: 0,
      copied: 0,
      vanished: 0,
      bytes: 0,
      hadExpiry: 0,
    };
    let batch: DumpedKey[] = [];
    for await (const dumped of dumpKeys(keys)) {
      batch.push(dumped);
      summary.listed++;
      if (batch.length === KEYS_PER_GET * GETS_IN_FLIGHT) {
        await copyBatch(store, values, batch, summary);
        batch = [];
        options.onProgress?.(summary);
      }
    }
    await copyBatch(store, values, batch, summary);
    options.onProgress?.(summary);
    return summary;
  } finally {
    keys?.close();
    values.close();
  }
}

/**
 * Fetches a batch's values with pipelined multigets, stores each group as it
 * arrives (the Store commits between event-loop turns), and returns once
 * all of them are durable.
 */
async function copyBatch(
  store: Store,
  connection: SourceConnection,
  batch: readonly DumpedKey[],
  summary: ImportSummary,
): Promise<void> {
  if (batch.length === 0) return;
  const groups: DumpedKey[][] = [];
  for (let start = 0; start < batch.length; start += KEYS_PER_GET) {
    groups.push(batch.slice(start, start + KEYS_PER_GET));
  }
  for (const group of groups) connection.write(multigetRequest(group.map((item) => item.key)));
  const expiring = new Set<string>();
  for (const item of batch) if (item.expires !== -1) expiring.add(keyId(item.key));
  for (const group of groups) {
    const items = await fetchValues(connection, group.length);
    for (const item of items) {
      store.set(item.key, item.value, item.flags);
      summary.bytes += item.key.length + item.value.length;
      if (expiring.has(keyId(item.key))) summary.hadExpiry++;
    }
    summary.copied += items.length;
    summary.vanished += group.length - items.length;
  }
  await durable(store);
}

function keyId(key: Uint8Array): string {
  return Buffer.from(key).toString("latin1");
}

/** Waits for the batch's commit, and fails the import if it failed. */
function durable(store: Store): Promise<void> {
  return new Promise((resolve, reject) => {
    store.whenDurable((failure) => (failure === undefined ? resolve() : reject(failure)));
  });
}
