/**
 * The main thread's side of the monitor's worker (monitor-worker.ts): it
 * starts the worker, waits until its HTTP server listens, and answers its
 * calls with a StoreSource over the main thread's Store, Stats and Access:
 * a write from the page joins the same group commit as a memcached write,
 * a login counts against the same lockouts as the memcached port's.
 *
 * Changes are posted to the worker only between its `watch` and `unwatch`
 * (while at least one event stream is open), gathered by a ChangeRelay, so
 * an idle monitor costs the memcached path nothing.
 */

import { workerEntry } from "../worker-entry.ts";
import { ChangeRelay } from "./change-relay.ts";
import type { CallMessage, FromWorker, MonitorStartOptions, ToWorker } from "./monitor-messages.ts";
import type { StoreSource } from "./store-source.ts";

/** How long stop() waits for the worker to end its streams and close its connection. */
const STOP_WAIT_MS = 5000;

/** The worker could not serve: `code` is the system's (EADDRINUSE…) when listening failed. */
export class MonitorStartError extends Error {
  override name = "MonitorStartError";

  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export class MonitorThread {
  private readonly worker: Worker;
  private unwatch: (() => void) | undefined;
  private readonly relay = new ChangeRelay((changes, incomplete) =>
    this.send({ type: "changes", changes, incomplete }),
  );
  private started: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private stopped: (() => void) | undefined;

  private constructor(private readonly source: StoreSource) {
    // smol: Bun's smaller-heap mode for this second JavaScript VM, which
    // collects sooner under page load; idle, the worker costs about 3 MiB
    // of RssAnon with or without it.
    this.worker = new Worker(
      workerEntry("src/web/monitor-worker.ts", new URL("./monitor-worker.ts", import.meta.url)),
      {
        smol: true,
      },
    );
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => {
      const message = `the monitor's thread failed: ${event.message}`;
      if (this.started !== undefined)
        this.started.reject(new MonitorStartError(message, undefined));
      else console.error(`litecached: ${message}`);
    };
  }

  /** Starts the monitor; resolves once it listens, rejects with a MonitorStartError. */
  static async start(
    source: StoreSource,
    options: Omit<MonitorStartOptions, "authenticates">,
  ): Promise<MonitorThread> {
    const thread = new MonitorThread(source);
    const listening = new Promise<void>((resolve, reject) => {
      thread.started = { resolve, reject };
    });
    thread.send({
      type: "start",
      options: { ...options, authenticates: source.access !== undefined },
    });
    try {
      await listening;
    } catch (error) {
      thread.worker.terminate();
      throw error;
    } finally {
      thread.started = undefined;
    }
    return thread;
  }

  /**
   * Ends the event streams, stops the HTTP server and closes the worker's
   * connection (before the Store closes, so the Store's last checkpoint
   * meets no reader), then ends the thread.
   */
  async stop(): Promise<void> {
    this.stopWatching();
    const done = new Promise<void>((resolve) => {
      this.stopped = resolve;
    });
    this.send({ type: "stop" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      done,
      new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS))),
    ]);
    clearTimeout(timer);
    this.worker.terminate();
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case "listening":
        this.started?.resolve();
        return;
      case "start-failed":
        this.started?.reject(new MonitorStartError(message.message, message.code));
        return;
      case "watch":
        this.unwatch ??= this.source.onChange((changes) => this.relay.add(changes));
        return;
      case "unwatch":
        this.stopWatching();
        return;
      case "call":
        void this.answer(message);
        return;
      case "stopped":
        this.stopped?.();
        return;
    }
  }

  private stopWatching(): void {
    this.unwatch?.();
    this.unwatch = undefined;
    this.relay.stop();
  }

  private async answer(call: CallMessage): Promise<void> {
    try {
      const result = await this.run(call);
      this.send({ type: "reply", id: call.id, ok: true, result });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.send({ type: "reply", id: call.id, ok: false, message });
    }
  }

  private run(call: CallMessage): unknown {
    const source = this.source;
    switch (call.name) {
      case "state":
        return source.currentState();
      case "history":
        return source.history();
      case "sampleHistory":
        return source.sampleHistory();
      case "set":
        return source.set(...call.args);
      case "delete":
        return source.delete(...call.args);
      case "flush":
        return source.flush();
      case "authenticate":
        return source.access?.authenticate(...call.args) ?? "failed";
      case "isLockedOut":
        return source.access?.isLockedOut(...call.args) ?? false;
    }
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }
}
