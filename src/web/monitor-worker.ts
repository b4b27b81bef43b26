/**
 * The monitor's worker thread: Bun.serve with the Hono app, off the
 * memcached event loop. Page renders, key lists, value fetches and event
 * streams run here, on the worker's own read-only SQLite connection, at a
 * lower CPU priority (thread-priority.ts); the main thread keeps the Store
 * and answers only the calls of monitor-messages.ts.
 *
 * Messages in: start (once), changes, replies to calls, stop. Messages
 * out: listening or start-failed (once), watch/unwatch, calls, stopped.
 */
import { log } from "../log.ts";
import { KeyReader } from "../store/key-reader.ts";
import { createWebApp, type WebApp } from "./app.tsx";
import type { FromWorker, MonitorStartOptions, ToWorker } from "./monitor-messages.ts";
import { lowerThisThreadPriority } from "./thread-priority.ts";
import { WorkerSource } from "./worker-source.ts";

declare const self: Worker;

interface Running {
  source: WorkerSource;
  app: WebApp;
  server: ReturnType<typeof Bun.serve>;
}

let running: Running | undefined;

const post = (message: FromWorker): void => self.postMessage(message);

function start(options: MonitorStartOptions): void {
  log.configure(options.log);
  lowerThisThreadPriority();
  let source: WorkerSource | undefined;
  try {
    source = new WorkerSource(
      KeyReader.openReadOnly(options.databasePath),
      post,
      options.authenticates,
    );
    const app = createWebApp({
      source,
      host: options.host,
      port: options.port,
      writes: options.writes,
      maxItemSize: options.maxItemSize,
    });
    const server = Bun.serve({
      hostname: options.host,
      port: options.port,
      fetch: app.fetch,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    });
    running = { source, app, server };
  } catch (error) {
    source?.close();
    const code = (error as { code?: string } | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    post({ type: "start-failed", code, message });
    return;
  }
  post({ type: "listening" });
}

function stop(): void {
  if (running !== undefined) {
    // End event streams properly, so browsers see the stream close and reconnect.
    running.app.closeEventStreams();
    running.server.stop(true);
    running.source.close();
    running = undefined;
  }
  post({ type: "stopped" });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  switch (message.type) {
    case "start":
      start(message.options);
      return;
    case "changes":
      running?.source.receiveChanges(message.changes, message.incomplete);
      return;
    case "reply":
      running?.source.receiveReply(message);
      return;
    case "stop":
      stop();
      return;
  }
};
