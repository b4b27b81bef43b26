/**
 * What the meta protocol parser hands out: one request per meta command
 * line (`mg ms md ma mn me`), its flags already checked and read.
 */

/** The flags of one meta command, as memcached 1.6.18's _meta_flag_preparse reads them. */
export interface MetaFlags {
  /** Each flag's letter (a char code) in request order: replies echo flags in this order. */
  letters: number[];
  /** `b`: the key was base64 (and is decoded here); `k` returns it encoded again. */
  base64: boolean;
  /** `O`: the whole opaque token, letter included, echoed as is. */
  opaque: Uint8Array | undefined;
  /** `q`: suppress the nominal reply (EN for mg, HD for ms/md/ma). */
  quiet: boolean;
  /** `u`: the read is not an access. */
  noUpdate: boolean;
  /** `N`: create the item on a miss (its TTL is read and ignored: items never expire). */
  vivify: boolean;
  /** `T`: a new TTL (read and ignored); mg counts the request as a touch. */
  touch: boolean;
  /** `I`: invalidate (md) or store as stale when the cas is older (ms). */
  invalidate: boolean;
  /** `C`: compare this cas. */
  compareCas: number | undefined;
  /** `F`: client flags for ms. */
  clientFlags: number;
  /** `M`: the mode character (a char code), if given. */
  mode: number | undefined;
  /** `D`: ma's delta (default 1). */
  delta: bigint;
  /** `J`: ma's initial value for an item it creates (default 0). */
  initial: bigint;
}

export type MetaRequest =
  | { command: "mg"; key: Uint8Array; flags: MetaFlags }
  | { command: "ms"; key: Uint8Array; flags: MetaFlags; value: Uint8Array }
  /** An ms whose data block was larger than the item size limit (and skipped). */
  | { command: "ms_too_large"; key: Uint8Array; flags: MetaFlags }
  | { command: "md"; key: Uint8Array; flags: MetaFlags }
  | { command: "ma"; key: Uint8Array; flags: MetaFlags }
  | { command: "mn" }
  | { command: "me"; key: Uint8Array; base64: boolean };

export const FlagLetter = {
  b: 0x62,
  c: 0x63,
  f: 0x66,
  h: 0x68,
  k: 0x6b,
  l: 0x6c,
  q: 0x71,
  s: 0x73,
  t: 0x74,
  u: 0x75,
  v: 0x76,
  C: 0x43,
  D: 0x44,
  F: 0x46,
  I: 0x49,
  J: 0x4a,
  L: 0x4c,
  M: 0x4d,
  N: 0x4e,
  O: 0x4f,
  P: 0x50,
  R: 0x52,
  T: 0x54,
} as const;
