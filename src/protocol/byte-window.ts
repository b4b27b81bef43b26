/**
 * A growable window of received bytes: what a socket delivered and a reader
 * has not consumed yet, kept in one reused buffer as `bytes[start, end)`.
 *
 * It exists because every reader of a byte stream here (the text parser, the
 * binary decoder, the importer's connection to a memcached) needs the same
 * thing, and the cheap way to do it is easy to get subtly wrong: the buffer
 * is reused rather than reallocated for each chunk, and each received byte
 * is copied a bounded number of times however long the stream runs. A chunk
 * that does not fit after the unread bytes moves them to the front only when
 * they are no more than the consumed bytes in front of them (so a move never
 * copies more than was consumed since the last one); otherwise the buffer
 * doubles (so each byte is copied O(1) times on average by growth).
 *
 * The fields are public on purpose: a parser reads `bytes` and the offsets
 * directly in its hot loop, and may move `start` back to keep bytes it still
 * needs (a command line whose data block is not all in yet).
 */
export class ByteWindow {
  /** The storage; unread bytes are `bytes[start, end)`. A new array when the window grows. */
  bytes: Uint8Array;
  /** Offset of the first unread byte. */
  start = 0;
  /** Offset just past the last received byte. */
  end = 0;

  constructor(initialCapacity: number) {
    this.bytes = new Uint8Array(initialCapacity);
  }

  /** How many bytes were received and not consumed yet. */
  get length(): number {
    return this.end - this.start;
  }

  /**
   * Adds a chunk after the unread bytes. Returns how far the unread bytes
   * moved toward offset 0 (0 if they stayed put): a reader that saved
   * offsets into `bytes` subtracts it from them. Views taken with
   * `subarray` before the call may no longer show the same bytes.
   */
  append(chunk: Uint8Array): number {
    const startBefore = this.start;
    if (this.start === this.end) {
      // Everything was consumed: start over at 0, nothing to move.
      this.start = 0;
      this.end = 0;
    }
    if (this.end + chunk.length > this.bytes.length) this.makeRoom(chunk.length);
    this.bytes.set(chunk, this.end);
    this.end += chunk.length;
    return startBefore - this.start;
  }

  /** Marks the next `count` unread bytes as read. */
  consume(count: number): void {
    this.start += count;
  }

  /** Forgets every unread byte. */
  clear(): void {
    this.start = 0;
    this.end = 0;
  }

  /** Moves the unread bytes to offset 0: in place if that is cheap, else into a larger buffer. */
  private makeRoom(incoming: number): void {
    const unread = this.end - this.start;
    if (unread <= this.start && unread + incoming <= this.bytes.length) {
      this.bytes.copyWithin(0, this.start, this.end);
    } else {
      const grown = new Uint8Array(Math.max(unread + incoming, this.bytes.length * 2));
      grown.set(this.bytes.subarray(this.start, this.end));
      this.bytes = grown;
    }
    this.start = 0;
    this.end = unread;
  }
}
