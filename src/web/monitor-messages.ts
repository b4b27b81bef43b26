/**
 * The messages between the main thread and the monitor's worker thread.
 *
 * The worker asks the main thread for what is the main thread's (its
 * counters, the history, writes, the auth lockouts) with a numbered `call`
 * answered by one `reply` of the same number. Changes travel the other
 * way, as `changes` posts, only between the worker's `watch` and
 * `unwatch`: open event streams cost the memcached path at most one post
 * every 100 ms (change-relay.ts), no stream costs nothing.
 */
import type { HistoryJson } from "../../client/shared/api-types.ts";
import type { AuthResult } from "../auth/access.ts";
import type { TlsFiles } from "../auth/tls.ts";
import type { LoggerOptions } from "../log.ts";
import type { Change } from "../store/store.ts";
import type { ServerState } from "./monitor-source.ts";

/** How the worker starts its HTTP server: the flags that concern the monitor. */
export interface MonitorStartOptions {
  databasePath: string;
  host: string;
  port: number;
  tls: TlsFiles | undefined;
  writes: boolean;
  maxItemSize: number;
  /** With --auth-file: the worker asks the main thread to check each login. */
  authenticates: boolean;
  log: LoggerOptions;
}

/** Each call the worker may make, with its arguments and its result. */
export interface MonitorCalls {
  state: { args: []; result: ServerState };
  history: { args: []; result: HistoryJson };
  sampleHistory: { args: []; result: undefined };
  set: { args: [key: Uint8Array, value: Uint8Array, flags: number]; result: number };
  delete: { args: [key: Uint8Array]; result: boolean };
  flush: { args: []; result: undefined };
  authenticate: { args: [address: string, user: string, password: string]; result: AuthResult };
  isLockedOut: { args: [address: string]; result: boolean };
}

export type CallName = keyof MonitorCalls;

export type CallMessage = {
  [Name in CallName]: { type: "call"; id: number; name: Name; args: MonitorCalls[Name]["args"] };
}[CallName];

export type ReplyMessage =
  | { type: "reply"; id: number; ok: true; result: unknown }
  | { type: "reply"; id: number; ok: false; message: string };

/** Main thread → worker. */
export type ToWorker =
  | { type: "start"; options: MonitorStartOptions }
  /** Gathered by change-relay.ts; `incomplete` when a flood was left out. */
  | { type: "changes"; changes: readonly Change[]; incomplete: boolean }
  | ReplyMessage
  | { type: "stop" };

/** Worker → main thread. */
export type FromWorker =
  | { type: "listening" }
  /** No server: Bun.serve refused to listen (`code` is the system's: EADDRINUSE…), or the database could not be read. */
  | { type: "start-failed"; code: string | undefined; message: string }
  | { type: "watch" }
  | { type: "unwatch" }
  | CallMessage
  | { type: "stopped" };
