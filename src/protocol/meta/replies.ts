/**
 * The fixed replies of the meta protocol, as memcached 1.6.18 sends them,
 * pre-encoded once. Reply lines that carry flags are built in encoder.ts.
 */

const encoder = new TextEncoder();
const line = (text: string): Uint8Array => encoder.encode(`${text}\r\n`);

export const MetaReply = {
  NOOP: line("MN"),
  MISS: line("EN"),
  FLAGS_TOO_LONG: line("CLIENT_ERROR options flags too long"),
  /** mg words it differently from ms, md and ma. */
  FLAGS_TOO_LONG_GET: line("CLIENT_ERROR options flags are too long"),
  OPAQUE_TOO_LONG: line("CLIENT_ERROR opaque token too long"),
  INVALID_OR_DUPLICATE_FLAG: line("CLIENT_ERROR invalid or duplicate flag"),
  INVALID_SET_MODE: line("CLIENT_ERROR invalid mode for ms M token"),
  INVALID_ARITHMETIC_MODE: line("CLIENT_ERROR invalid mode for ma M token"),
  /** `CLIENT_ERROR <detail>` for the flag errors memcached names. */
  error: (detail: string): Uint8Array => line(`CLIENT_ERROR ${detail}`),
} as const;
