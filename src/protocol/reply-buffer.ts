/**
 * The replies of one connection, collected into one growing byte buffer so
 * that each batch of requests is answered with a single socket write.
 *
 * Write acknowledgements are remembered by position: if the group commit
 * holding those writes fails, they are swapped for an error reply before a
 * single byte is sent, so nothing unsaved is ever acknowledged.
 */

const INITIAL_CAPACITY = 4096;

/**
 * Turns the session's failure reply into the one that stands in for a
 * single acknowledgement: a binary reply must carry its own request's
 * opcode and opaque.
 */
export type FailureSubstitute = (failure: Uint8Array) => Uint8Array;

export class ReplyBuffer {
  private bytes = new Uint8Array(INITIAL_CAPACITY);
  private length = 0;
  /** [start, end) pairs of acknowledgements that depend on the pending commit. */
  private acknowledgements: number[] = [];
  /** Substitutes of the acknowledgements that have one, by their index in `acknowledgements`. */
  private substitutes = new Map<number, FailureSubstitute>();

  get byteLength(): number {
    return this.length;
  }

  writeBytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /** Writes a string of ASCII (or Latin-1) characters, one byte each. */
  writeAscii(text: string): void {
    this.reserve(text.length);
    const bytes = this.bytes;
    let position = this.length;
    for (let index = 0; index < text.length; index++) bytes[position++] = text.charCodeAt(index);
    this.length = position;
  }

  /**
   * Writes a reply that acknowledges a write; it is replaced if the commit
   * fails, by the failure reply or by what `substitute` makes of it.
   */
  writeAcknowledgement(reply: Uint8Array, substitute?: FailureSubstitute): void {
    if (substitute !== undefined) this.substitutes.set(this.acknowledgements.length, substitute);
    this.acknowledgements.push(this.length, this.length + reply.length);
    this.writeBytes(reply);
  }

  /** Same as writeAcknowledgement, for replies built as text (incr/decr results). */
  writeAsciiAcknowledgement(text: string): void {
    this.acknowledgements.push(this.length, this.length + text.length);
    this.writeAscii(text);
  }

  /**
   * Marks everything written since `start` (a byteLength read earlier) as an
   * acknowledgement, for replies written in parts. An empty mark stands for
   * a silent success (meta quiet mode): a failed commit still reports it.
   */
  acknowledgeSince(start: number): void {
    this.acknowledgements.push(start, this.length);
  }

  /** The pending commit succeeded: the acknowledgements are final. */
  confirmAcknowledgements(): void {
    this.acknowledgements.length = 0;
    this.substitutes.clear();
  }

  /** The pending commit failed: every acknowledgement becomes `failure` (or its substitute). */
  replaceAcknowledgements(failure: Uint8Array): void {
    if (this.acknowledgements.length === 0) return;
    const old = this.bytes.subarray(0, this.length);
    const marks = this.acknowledgements;
    const substitutes = this.substitutes;
    this.acknowledgements = [];
    this.substitutes = new Map();
    this.bytes = new Uint8Array(Math.max(INITIAL_CAPACITY, this.length * 2));
    this.length = 0;
    let copied = 0;
    for (let index = 0; index < marks.length; index += 2) {
      this.writeBytes(old.subarray(copied, marks[index]));
      this.writeBytes(substitutes.get(index)?.(failure) ?? failure);
      copied = marks[index + 1] as number;
    }
    this.writeBytes(old.subarray(copied));
  }

  /**
   * Hands out everything collected and empties the buffer. The view is only
   * valid until the next write; copy whatever must outlive that.
   */
  take(): Uint8Array {
    const view = this.bytes.subarray(0, this.length);
    this.length = 0;
    this.acknowledgements.length = 0;
    this.substitutes.clear();
    if (this.bytes.length > 1024 * 1024) this.bytes = new Uint8Array(INITIAL_CAPACITY);
    return view;
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}
