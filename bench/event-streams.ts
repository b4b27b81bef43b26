/**
 * Holds many of the monitor's event streams (GET /api/events, server-sent
 * events) open and reads them, as that many open browser tabs would, for
 * --seconds; prints how many opened and what they received.
 *
 *   bun bench/event-streams.ts --url http://127.0.0.1:P/api/events --streams 64 --seconds S
 *
 * Prints one JSON line: { "opened": …, "failures": …, "firstFailure": …,
 * "events": …, "changeEvents": …, "bytes": … }.
 */
import { parseArgs } from "node:util";

const { values: options } = parseArgs({
  options: {
    url: { type: "string" },
    streams: { type: "string", default: "64" },
    seconds: { type: "string" },
  },
});
const url = options.url;
const streamCount = Number(options.streams);
const seconds = Number(options.seconds);
if (url === undefined || !(streamCount > 0) || !(seconds > 0)) {
  console.error("usage: event-streams.ts --url URL --streams N --seconds S");
  process.exit(2);
}

const EVENT_LINE = /^event: (\S+)$/gm;

let opened = 0;
let failures = 0;
let firstFailure: string | undefined;
let events = 0;
let changeEvents = 0;
let bytes = 0;
const abort = new AbortController();

async function stream(): Promise<void> {
  try {
    const response = await fetch(url as string, { signal: abort.signal });
    if (!response.ok || response.body === null) {
      failures++;
      firstFailure ??= `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
      return;
    }
    opened++;
    const decoder = new TextDecoder();
    // Event lines may straddle chunks: keep the unfinished last line.
    let tail = "";
    for await (const chunk of response.body) {
      bytes += chunk.length;
      const text = tail + decoder.decode(chunk, { stream: true });
      const cut = text.lastIndexOf("\n") + 1;
      for (const match of text.slice(0, cut).matchAll(EVENT_LINE)) {
        events++;
        if (match[1] === "changes") changeEvents++;
      }
      tail = text.slice(cut);
    }
  } catch (error) {
    if (abort.signal.aborted) return;
    failures++;
    firstFailure ??= error instanceof Error ? error.message : String(error);
  }
}

const streams = Array.from({ length: streamCount }, stream);
await Bun.sleep(seconds * 1000);
abort.abort();
await Promise.all(streams);
console.log(JSON.stringify({ opened, failures, firstFailure, events, changeEvents, bytes }));
process.exit(0);
