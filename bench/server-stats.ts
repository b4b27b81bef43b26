/**
 * Reads a memcached-protocol server's `stats` (memcached's or litecached's)
 * over one short connection: the memory tier's hit counters and the bytes
 * memcached holds come from here.
 */

const STATS_TIMEOUT_MS = 10_000;

export type ServerStats = ReadonlyMap<string, string>;

export async function readStats(port: number): Promise<ServerStats> {
  let text = "";
  const decoder = new TextDecoder();
  const { promise, resolve, reject } = Promise.withResolvers<ServerStats>();
  const timer = setTimeout(
    () => reject(new Error(`stats on port ${port} did not answer`)),
    STATS_TIMEOUT_MS,
  );
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_socket, chunk) {
        text += decoder.decode(chunk, { stream: true });
        if (text.endsWith("END\r\n")) resolve(parseStats(text));
      },
      error(_socket, error) {
        reject(error);
      },
    },
  });
  socket.write("stats\r\n");
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
    socket.end();
  }
}

/** "STAT name value" lines, up to END. */
function parseStats(text: string): ServerStats {
  const stats = new Map<string, string>();
  for (const line of text.split("\r\n")) {
    const match = /^STAT (\S+) (.*)$/.exec(line);
    if (match !== null) stats.set(match[1] as string, match[2] as string);
  }
  return stats;
}

/** A numeric stat, or undefined when the server does not report it. */
export function statNumber(stats: ServerStats, name: string): number | undefined {
  const value = stats.get(name);
  return value === undefined ? undefined : Number(value);
}

export interface TierCounts {
  hits: number;
  misses: number;
}

/** The memory tier's counters, or undefined on a litecached without the tier. */
export function tierCounts(stats: ServerStats): TierCounts | undefined {
  const hits = statNumber(stats, "memory_tier_hits");
  const misses = statNumber(stats, "memory_tier_misses");
  return hits === undefined || misses === undefined ? undefined : { hits, misses };
}

/** Hits and misses between two readings. */
export function tierDelta(
  before: TierCounts | undefined,
  after: TierCounts | undefined,
): TierCounts | undefined {
  if (before === undefined || after === undefined) return undefined;
  return { hits: after.hits - before.hits, misses: after.misses - before.misses };
}
