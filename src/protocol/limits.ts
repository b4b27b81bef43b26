/**
 * memcached's size limits on a request, shared by every protocol.
 */

export const MAX_KEY_LENGTH = 250;
/** memcached's limit on a data length: the block and its CRLF must fit a signed 32-bit int. */
export const MAX_DATA_LENGTH = 0x7fff_ffff - 2;
