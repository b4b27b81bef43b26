/**
 * Requests a page over and over, from a few concurrent loops, until killed
 * or for --seconds; prints how many pages it got.
 *
 *   bun bench/page-loop.ts --url http://127.0.0.1:P/ --seconds S [--loops 2]
 */
import { parseArgs } from "node:util";

const { values: options } = parseArgs({
  options: {
    url: { type: "string" },
    seconds: { type: "string" },
    loops: { type: "string", default: "2" },
  },
});
const url = options.url;
const seconds = Number(options.seconds);
if (url === undefined || !(seconds > 0)) {
  console.error("usage: page-loop.ts --url URL --seconds S [--loops 2]");
  process.exit(2);
}

let pages = 0;
let bytes = 0;
let failures = 0;
let firstFailure: string | undefined;
const deadline = performance.now() + seconds * 1000;

async function loop(): Promise<void> {
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url as string);
      const body = await response.arrayBuffer();
      if (response.ok) {
        pages++;
        bytes += body.byteLength;
      } else {
        failures++;
        firstFailure ??= `HTTP ${response.status}: ${new TextDecoder().decode(body).slice(0, 200)}`;
      }
    } catch (error) {
      failures++;
      firstFailure ??= error instanceof Error ? error.message : String(error);
      await Bun.sleep(10);
    }
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: Number(options.loops) }, loop));
const elapsed = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    pages,
    failures,
    firstFailure,
    pagesPerSecond: pages / elapsed,
    bytesPerPage: bytes / pages,
  }),
);
