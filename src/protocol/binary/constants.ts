/**
 * memcached's binary protocol, by name: the header layout, magic bytes,
 * opcodes, status codes and the error bodies memcached 1.6.18 sends with
 * them (proto_bin.c, write_bin_error). Every other binary module reads its
 * numbers and strings from here.
 */

/** Every request and response starts with a header of this many bytes. */
export const HEADER_LENGTH = 24;

/** The first byte of a frame; a connection whose first byte is REQUEST speaks binary. */
export const Magic = {
  REQUEST: 0x80,
  RESPONSE: 0x81,
} as const;

/** The only data type memcached knows (the header's byte 5). */
export const RAW_BYTES = 0x00;

/** Byte offsets of the header fields (all big-endian). */
export const HeaderOffset = {
  MAGIC: 0,
  OPCODE: 1,
  KEY_LENGTH: 2,
  EXTRAS_LENGTH: 4,
  DATA_TYPE: 5,
  /** vbucket id in requests, status in responses. */
  STATUS: 6,
  BODY_LENGTH: 8,
  OPAQUE: 12,
  CAS: 16,
} as const;

export const Opcode = {
  GET: 0x00,
  SET: 0x01,
  ADD: 0x02,
  REPLACE: 0x03,
  DELETE: 0x04,
  INCREMENT: 0x05,
  DECREMENT: 0x06,
  QUIT: 0x07,
  FLUSH: 0x08,
  GETQ: 0x09,
  NOOP: 0x0a,
  VERSION: 0x0b,
  GETK: 0x0c,
  GETKQ: 0x0d,
  APPEND: 0x0e,
  PREPEND: 0x0f,
  STAT: 0x10,
  SETQ: 0x11,
  ADDQ: 0x12,
  REPLACEQ: 0x13,
  DELETEQ: 0x14,
  INCREMENTQ: 0x15,
  DECREMENTQ: 0x16,
  QUITQ: 0x17,
  FLUSHQ: 0x18,
  APPENDQ: 0x19,
  PREPENDQ: 0x1a,
  /** In the protocol's documents but not in memcached 1.6.18: answered "Unknown command". */
  VERBOSITY: 0x1b,
  TOUCH: 0x1c,
  GAT: 0x1d,
  GATQ: 0x1e,
  SASL_LIST_MECHS: 0x20,
  SASL_AUTH: 0x21,
  SASL_STEP: 0x22,
  GATK: 0x23,
  GATKQ: 0x24,
} as const;

export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

/**
 * Each quiet opcode and the loud one it behaves as: a quiet command sends no
 * reply on success (a GetQ miss is a success), only its errors.
 */
export const LOUD_OPCODE_OF_QUIET: ReadonlyMap<number, number> = new Map([
  [Opcode.SETQ, Opcode.SET],
  [Opcode.ADDQ, Opcode.ADD],
  [Opcode.REPLACEQ, Opcode.REPLACE],
  [Opcode.DELETEQ, Opcode.DELETE],
  [Opcode.INCREMENTQ, Opcode.INCREMENT],
  [Opcode.DECREMENTQ, Opcode.DECREMENT],
  [Opcode.QUITQ, Opcode.QUIT],
  [Opcode.FLUSHQ, Opcode.FLUSH],
  [Opcode.APPENDQ, Opcode.APPEND],
  [Opcode.PREPENDQ, Opcode.PREPEND],
  [Opcode.GETQ, Opcode.GET],
  [Opcode.GETKQ, Opcode.GETK],
  [Opcode.GATQ, Opcode.GAT],
  [Opcode.GATKQ, Opcode.GATK],
]);

export const Status = {
  SUCCESS: 0x00,
  KEY_NOT_FOUND: 0x01,
  KEY_EXISTS: 0x02,
  VALUE_TOO_LARGE: 0x03,
  INVALID_ARGUMENTS: 0x04,
  NOT_STORED: 0x05,
  NON_NUMERIC: 0x06,
  AUTH_ERROR: 0x20,
  AUTH_CONTINUE: 0x21,
  UNKNOWN_COMMAND: 0x81,
  OUT_OF_MEMORY: 0x82,
} as const;

export type StatusValue = (typeof Status)[keyof typeof Status];

/** The body memcached sends with each error status (its punctuation included). */
export const ERROR_BODY: Readonly<Record<Exclude<StatusValue, 0x00 | 0x21>, string>> = {
  [Status.KEY_NOT_FOUND]: "Not found",
  [Status.KEY_EXISTS]: "Data exists for key.",
  [Status.VALUE_TOO_LARGE]: "Too large.",
  [Status.INVALID_ARGUMENTS]: "Invalid arguments",
  [Status.NOT_STORED]: "Not stored.",
  [Status.NON_NUMERIC]: "Non-numeric server-side value for incr or decr",
  [Status.AUTH_ERROR]: "Auth failure.",
  [Status.UNKNOWN_COMMAND]: "Unknown command",
  [Status.OUT_OF_MEMORY]: "Out of memory",
};

/** Extras lengths the request shapes require (memcached's dispatch_bin_command). */
export const ExtrasLength = {
  /** flags (4) + expiration (4). */
  STORAGE: 8,
  /** delta (8) + initial value (8) + expiration (4). */
  DELTA: 20,
  /** expiration (4), for touch, gat and an optional flush delay. */
  EXPIRATION: 4,
  /** flags (4), in get, gat and touch responses. */
  FLAGS: 4,
} as const;

/** An incr/decr expiration of all ones: fail on a miss instead of creating the item. */
export const DELTA_NO_CREATE = 0xffff_ffff;

/**
 * memcached reads a frame's header, extras and key into its 16 KiB read
 * buffer, which does not grow for binary connections: a frame whose header,
 * extras and key do not fit makes it close the connection.
 */
export const READ_BUFFER_LENGTH = 16 * 1024;
