/**
 * The Store's side of the checkpoint worker. SQLite's automatic checkpoint
 * is off in the Store's connection (it would copy and fsync inside a
 * client's commit); instead, after commits, the worker is asked for a
 * PASSIVE checkpoint at most once per interval, on its own thread.
 *
 * A log that is checkpointed while writes go on never empties by itself:
 * SQLite starts it again from the top only when a write transaction begins
 * with every frame copied back. So when the worker reports a long log, it
 * is asked again, pass after pass (each copies what came during the last),
 * until a pass finds at most CATCH_UP_MAX_FRAMES new frames; then the Store
 * copies the few left itself, between two commits, and its next write
 * starts the log again. That last step is the only checkpoint work left on
 * the event loop, once per `restartLogFrames` of log: a copy of a few
 * hundred frames at most and its two fsyncs. (With one extra pass only,
 * the Store's share during a burst of writes was thousands of frames and a
 * stall of 110–280 ms; with passes until few are new, 8–27 ms, the rest of
 * it the fsyncs, which take longer on a busy disk.)
 */
import type { SyncMode } from "../config.ts";
import { workerEntry } from "../worker-entry.ts";
import type { CheckpointReply, CheckpointRequest } from "./checkpoint-worker.ts";

/** The worker passes go on until one finds at most this many new frames. */
const CATCH_UP_MAX_FRAMES = 512;
/**
 * Writes faster than the worker copies never leave few new frames: after
 * this many extra passes the Store copies the rest anyway, rather than let
 * the log grow without bound.
 */
const MAX_EXTRA_PASSES = 8;

/** How long close() waits for the worker to close its connection. */
const CLOSE_WAIT_MS = 10_000;

export interface CheckpointOptions {
  /** How often, at most, the worker checkpoints while commits come in. */
  intervalMs: number;
  /** A log this long is brought back to its start. */
  restartLogFrames: number;
}

export const DEFAULT_CHECKPOINT_OPTIONS: CheckpointOptions = {
  intervalMs: 1000,
  // About 64 MiB of 4 KiB pages: fewer, larger checkpoints copy a page
  // rewritten often (index interiors, the counters row) once, not again and again.
  restartLogFrames: 16_384,
};

export class Checkpointer {
  private readonly worker: Worker;
  private readonly options: CheckpointOptions;
  private inFlight = false;
  private lastRequestMs = 0;
  private closed = false;
  /** Set by the worker once its connection is closed; close() waits on it. */
  private readonly workerClosed = new Int32Array(new SharedArrayBuffer(4));
  /** "again": another worker pass before the catch-up; "due": the Store copies the rest. */
  private restart: "idle" | "again" | "due" = "idle";
  /** Frames in the log at the last pass, and passes asked for since the log was found long. */
  private lastLogFrames = 0;
  private extraPasses = 0;
  /** Checkpoints the worker ran, and failures it reported (logged, not fatal: the log only grows). */
  passes = 0;
  failures = 0;

  constructor(path: string, sync: SyncMode, options: CheckpointOptions) {
    this.options = options;
    // The worker must not keep the process alive (ref: false): close() ends it.
    const entry = new URL("./checkpoint-worker.ts", import.meta.url);
    this.worker = new Worker(workerEntry("src/store/checkpoint-worker.ts", entry), { ref: false });
    this.worker.onmessage = (event: MessageEvent<CheckpointReply>) => this.onReply(event.data);
    this.worker.onerror = (event) => {
      this.failures++;
      console.error(`litecached: the checkpoint worker failed: ${event.message}`);
    };
    this.send({ type: "open", path, sync, closed: this.workerClosed });
  }

  /** After a commit: asks for a pass if the interval has passed and none is running. */
  afterCommit(): void {
    if (this.inFlight || this.closed) return;
    const now = Date.now();
    if (this.restart !== "again" && now - this.lastRequestMs < this.options.intervalMs) return;
    this.lastRequestMs = now;
    this.inFlight = true;
    this.send({ type: "checkpoint" });
  }

  /** True once, when the Store should copy the last frames itself (see the module comment). */
  takeCatchUp(): boolean {
    if (this.restart !== "due") return false;
    this.restart = "idle";
    return true;
  }

  /**
   * Ends the worker and waits (blocking, as a close may) until its connection
   * is closed, so the database is free when close() returns: a Store opened
   * again at once, or the last connection's cleanup, must not meet it.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.send({ type: "close" });
    Atomics.wait(this.workerClosed, 0, 0, CLOSE_WAIT_MS);
  }

  private onReply(reply: CheckpointReply): void {
    this.inFlight = false;
    if (reply.type === "failed") {
      this.failures++;
      console.error(`litecached: checkpoint failed: ${reply.message}`);
      this.restart = "idle";
      return;
    }
    this.passes++;
    const newFrames = reply.logFrames - this.lastLogFrames;
    this.lastLogFrames = reply.logFrames;
    if (reply.logFrames < this.options.restartLogFrames) {
      this.restart = "idle";
    } else if (this.restart !== "again") {
      this.restart = "again";
      this.extraPasses = 0;
    } else if (newFrames <= CATCH_UP_MAX_FRAMES || ++this.extraPasses >= MAX_EXTRA_PASSES) {
      this.restart = "due";
    }
  }

  private send(request: CheckpointRequest): void {
    this.worker.postMessage(request);
  }
}
