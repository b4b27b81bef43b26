/**
 * Bun.listen glue for the memcached port: moves bytes between sockets and
 * the text protocol, holds replies until their writes are durable, and keeps
 * every connection's buffers bounded.
 */
import type { Socket, TCPSocketListener } from "bun";
import { log } from "../log.ts";
import { ReplyBuffer } from "../protocol/reply-buffer.ts";
import type { TextCommands } from "../protocol/text/commands.ts";
import { type RetrievalCommand, TextParser } from "../protocol/text/parser.ts";
import { Reply, storageFailureReply } from "../protocol/text/replies.ts";
import type { Stats } from "../stats.ts";
import type { Store } from "../store/store.ts";

/**
 * Replies waiting for a slow reader beyond this size stop the connection's
 * processing and reading until the socket drains: a client that pipelines
 * requests but never reads cannot make the server buffer without bound.
 */
export const MAX_PENDING_OUTPUT_BYTES = 4 * 1024 * 1024;

/** Connections refused at --max-conns are logged in one line a second at most. */
const REFUSAL_LOG_INTERVAL_MS = 1000;

/** How often silent connections are looked for when --idle-timeout is set. */
const IDLE_SWEEP_INTERVAL_MS = 250;

export interface MemcachedServerOptions {
  host: string;
  port: number;
  maxConnections: number;
  maxItemSize: number;
  /** Seconds; 0 keeps silent connections open forever. */
  idleTimeout: number;
}

/** The rest of a multiget whose reply reached the output cap, answered as the client reads. */
interface PartialRetrieval {
  command: RetrievalCommand;
  /** Copies of the keys still to answer: the parser's buffer is reused. */
  keys: Uint8Array[];
}

interface Connection {
  parser: TextParser;
  retrieval: PartialRetrieval | undefined;
  replies: ReplyBuffer;
  /** Bytes handed to socket.write that it did not take yet, oldest first. */
  unsent: Uint8Array[];
  unsentBytes: number;
  /** Replies are held until the group commit they depend on is done. */
  waitingForCommit: boolean;
  /** Reading is paused because too many replies wait for this client. */
  paused: boolean;
  /** Close once everything already answered is sent (quit, protocol violation). */
  closing: boolean;
  /** Turned away at accept time (too many connections): not counted as open. */
  rejected: boolean;
  /** When the client last sent bytes or took replies, for --idle-timeout. */
  lastActiveMs: number;
}

type MemcachedSocket = Socket<Connection>;

export class MemcachedServer {
  private readonly store: Store;
  private readonly commands: TextCommands;
  private readonly stats: Stats;
  private readonly options: MemcachedServerOptions;
  private readonly sockets = new Set<MemcachedSocket>();
  private listener: TCPSocketListener<Connection> | undefined;
  private idleSweep: ReturnType<typeof setInterval> | undefined;
  /** Connections refused since the last log line about refusals, and when that was. */
  private refusalsNotLogged = 0;
  private lastRefusalLogMs = 0;

  constructor(store: Store, commands: TextCommands, stats: Stats, options: MemcachedServerOptions) {
    this.store = store;
    this.commands = commands;
    this.stats = stats;
    this.options = options;
  }

  /** Starts listening; throws (EADDRINUSE…) if the port cannot be taken. */
  listen(): TCPSocketListener<Connection> {
    this.listener = Bun.listen<Connection>({
      hostname: this.options.host,
      port: this.options.port,
      socket: {
        open: (socket) => this.onOpen(socket),
        data: (socket, chunk) => this.onData(socket, chunk),
        drain: (socket) => this.onDrain(socket),
        close: (socket) => this.onClose(socket),
        error: (socket, error) => this.onError(socket, error),
      },
    });
    this.startIdleSweep();
    return this.listener;
  }

  /**
   * --idle-timeout. Bun's socket.timeout() is not reset by traffic (it would
   * close busy connections too) and fires on a 4-second grain, so silence is
   * measured here from each connection's last activity.
   */
  private startIdleSweep(): void {
    const timeoutMs = this.options.idleTimeout * 1000;
    if (timeoutMs <= 0) return;
    const interval = Math.min(IDLE_SWEEP_INTERVAL_MS, timeoutMs);
    this.idleSweep = setInterval(() => this.closeIdleConnections(timeoutMs), interval);
    this.idleSweep.unref();
  }

  private closeIdleConnections(timeoutMs: number): void {
    const now = Date.now();
    for (const socket of this.sockets) {
      if (now - socket.data.lastActiveMs >= timeoutMs) socket.end();
    }
  }

  get port(): number {
    return this.listener?.port ?? this.options.port;
  }

  /** Stops accepting, sends what was already answered, then closes every connection. */
  shutdown(): void {
    clearInterval(this.idleSweep);
    this.listener?.stop(false);
    this.store.commit();
    for (const socket of this.sockets) {
      this.flush(socket);
      socket.end();
    }
  }

  private onOpen(socket: MemcachedSocket): void {
    socket.data = {
      parser: new TextParser({ maxItemSize: this.options.maxItemSize }),
      retrieval: undefined,
      replies: new ReplyBuffer(),
      unsent: [],
      unsentBytes: 0,
      waitingForCommit: false,
      paused: false,
      closing: false,
      rejected: false,
      lastActiveMs: Date.now(),
    };
    const counters = this.stats.counters;
    if (this.sockets.size >= this.options.maxConnections) {
      counters.rejected_connections++;
      this.logRefusal();
      socket.data.rejected = true;
      socket.write(Reply.TOO_MANY_CONNECTIONS);
      socket.end();
      return;
    }
    this.sockets.add(socket);
    counters.total_connections++;
    this.stats.currentConnections = this.sockets.size;
    socket.setNoDelay(true);
  }

  /** A flood of refused connections makes one line a second, with its count. */
  private logRefusal(): void {
    this.refusalsNotLogged++;
    const now = Date.now();
    if (now - this.lastRefusalLogMs < REFUSAL_LOG_INTERVAL_MS) return;
    const refused = this.refusalsNotLogged;
    const maxConnections = this.options.maxConnections;
    log.warn(
      "connections_refused",
      `refused ${refused} connection${refused === 1 ? "" : "s"} at --max-conns ${maxConnections}`,
      { refused, maxConnections },
    );
    this.refusalsNotLogged = 0;
    this.lastRefusalLogMs = now;
  }

  private onData(socket: MemcachedSocket, chunk: Uint8Array): void {
    const connection = socket.data;
    if (connection.rejected || connection.closing) return;
    connection.lastActiveMs = Date.now();
    this.stats.counters.bytes_read += chunk.length;
    connection.parser.push(chunk);
    this.process(socket);
  }

  /** Runs every complete request, unless this client already has too much unread output. */
  private process(socket: MemcachedSocket): void {
    const connection = socket.data;
    const { parser, replies } = connection;
    while (!connection.closing) {
      if (replies.byteLength + connection.unsentBytes > MAX_PENDING_OUTPUT_BYTES) {
        this.pause(socket);
        break;
      }
      try {
        if (connection.retrieval !== undefined) {
          const { command, keys } = connection.retrieval;
          connection.retrieval = undefined;
          this.retrieve(connection, command, keys);
          continue;
        }
        const request = parser.next();
        if (request === undefined) break;
        if (request.kind === "retrieval") {
          this.retrieve(connection, request.command, request.keys);
          continue;
        }
        if (this.commands.execute(request, replies) === "close") connection.closing = true;
      } catch (error) {
        connection.retrieval = undefined;
        this.store.noteWriteFailure(error instanceof Error ? error : new Error(String(error)));
        this.stats.counters.store_failed++;
        logStorageError(error);
        replies.writeBytes(storageFailureReply(error));
      }
    }
    this.flush(socket);
  }

  /**
   * Answers a get up to the output cap; a multiget that does not fit keeps
   * its remaining keys for when the client has read, so its reply never sits
   * whole in memory.
   */
  private retrieve(connection: Connection, command: RetrievalCommand, keys: Uint8Array[]): void {
    const limit = MAX_PENDING_OUTPUT_BYTES - connection.unsentBytes;
    const next = this.commands.retrieve(command, keys, connection.replies, limit);
    if (next < keys.length) {
      connection.retrieval = { command, keys: keys.slice(next).map((key) => key.slice()) };
    }
  }

  /** Sends the collected replies now, or once the writes they acknowledge are durable. */
  private flush(socket: MemcachedSocket): void {
    const connection = socket.data;
    if (connection.waitingForCommit) return;
    if (!this.store.hasPendingWrites) {
      this.send(socket);
      return;
    }
    connection.waitingForCommit = true;
    this.store.whenDurable((failure) => {
      connection.waitingForCommit = false;
      if (failure === undefined) {
        connection.replies.confirmAcknowledgements();
      } else {
        // A failed commit (disk full) is the operator's business too, not only the client's.
        logStorageError(failure);
        connection.replies.replaceAcknowledgements(storageFailureReply(failure));
      }
      this.send(socket);
    });
  }

  private send(socket: MemcachedSocket): void {
    const connection = socket.data;
    const bytes = connection.replies.take();
    if (bytes.length > 0) {
      this.stats.counters.bytes_written += bytes.length;
      if (connection.unsent.length === 0) {
        const written = socket.write(bytes);
        if (written < 0) {
          // The client is gone: answering the rest of its requests is wasted work.
          this.abandon(connection);
          return;
        }
        if (written < bytes.length) this.keepUnsent(connection, bytes.subarray(written));
      } else {
        this.keepUnsent(connection, bytes);
      }
    }
    if (connection.unsent.length === 0) this.afterAllSent(socket);
  }

  /** Everything answered so far is in the kernel: close, or read again if paused. */
  private afterAllSent(socket: MemcachedSocket): void {
    const connection = socket.data;
    if (connection.closing) {
      socket.end();
    } else if (connection.paused && !connection.waitingForCommit) {
      connection.paused = false;
      socket.resume();
      // On the next turn, not in a microtask: a multiget of gigabytes is
      // answered 4 MiB at a time, and other connections get their turn between.
      setImmediate(() => this.process(socket));
    }
  }

  private keepUnsent(connection: Connection, bytes: Uint8Array): void {
    // The reply buffer is reused after take(): keep a copy.
    connection.unsent.push(bytes.slice());
    connection.unsentBytes += bytes.length;
  }

  private onDrain(socket: MemcachedSocket): void {
    const connection = socket.data;
    connection.lastActiveMs = Date.now();
    while (connection.unsent.length > 0) {
      const bytes = connection.unsent[0] as Uint8Array;
      const written = socket.write(bytes);
      if (written < 0) return;
      connection.unsentBytes -= written;
      if (written < bytes.length) {
        connection.unsent[0] = bytes.subarray(written);
        return;
      }
      connection.unsent.shift();
    }
    this.afterAllSent(socket);
  }

  private pause(socket: MemcachedSocket): void {
    if (socket.data.paused) return;
    socket.data.paused = true;
    socket.pause();
  }

  /** Stops all work for a connection whose peer went away. */
  private abandon(connection: Connection): void {
    connection.closing = true;
    connection.retrieval = undefined;
    connection.unsent = [];
    connection.unsentBytes = 0;
  }

  private onClose(socket: MemcachedSocket): void {
    this.abandon(socket.data);
    if (socket.data.rejected) return;
    this.sockets.delete(socket);
    this.stats.currentConnections = this.sockets.size;
  }

  private onError(socket: MemcachedSocket, error: Error): void {
    log.warn("connection_error", `connection error: ${error.message}`, { error: error.message });
    socket.end();
  }
}

let lastStorageErrorLogMs = 0;

/** Logs storage failures at most once a second: a full disk must not flood the log. */
function logStorageError(error: unknown): void {
  const now = Date.now();
  if (now - lastStorageErrorLogMs < 1000) return;
  lastStorageErrorLogMs = now;
  const message = error instanceof Error ? error.message : String(error);
  log.error("storage_error", `storage error: ${message}`, { error: message });
}
