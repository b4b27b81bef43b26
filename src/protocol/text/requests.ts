/**
 * What the text protocol parser hands out: one request per command line
 * (with its data block, for storage commands). Keys and values are views
 * into the parser's buffer: use (or copy) them before the next `push`.
 */
export type StorageCommand = "set" | "add" | "replace" | "append" | "prepend" | "cas";
export type RetrievalCommand = "get" | "gets" | "gat" | "gats";

export type Request =
  | {
      kind: "storage";
      command: StorageCommand;
      key: Uint8Array;
      flags: number;
      value: Uint8Array;
      /** Only for cas. */
      casUnique: number;
      noreply: boolean;
    }
  /** A storage command whose data block was larger than the item size limit (and skipped). */
  | { kind: "too_large"; command: StorageCommand; key: Uint8Array; noreply: boolean }
  | { kind: "retrieval"; command: RetrievalCommand; keys: Uint8Array[] }
  | { kind: "delete"; key: Uint8Array; noreply: boolean }
  | { kind: "delta"; command: "incr" | "decr"; key: Uint8Array; delta: bigint; noreply: boolean }
  | { kind: "touch"; key: Uint8Array; noreply: boolean }
  | { kind: "flush_all"; delaySeconds: number; noreply: boolean }
  | { kind: "verbosity"; noreply: boolean }
  | { kind: "stats"; arguments: string[] }
  | { kind: "version" }
  | { kind: "quit" }
  /**
   * The line was malformed or unknown: send this reply, unless `noreply`
   * (memcached stays silent about a noreply request's errors too).
   */
  | { kind: "invalid"; reply: Uint8Array; noreply?: true }
  /** The peer is not speaking memcached (overlong line, HTTP request): close the connection. */
  | { kind: "close"; reason: string };

/** An error reply, silenced when the request said noreply. */
export function invalid(reply: Uint8Array, noreply = false): Request {
  return noreply ? { kind: "invalid", reply, noreply } : { kind: "invalid", reply };
}
