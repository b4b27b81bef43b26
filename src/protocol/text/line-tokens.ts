/**
 * The tokens of one command line, as memcached's tokenize_command cuts
 * them: runs of spaces separate tokens (only spaces: tabs are part of a
 * token). Tokens are offsets into the parser's buffer, so reading a line
 * allocates nothing; `bytes` hands out a view, valid until the next push.
 */

const SPACE = 0x20;
/**
 * For text the parser only compares with ASCII (stats arguments, digits, a
 * line's first bytes). The "latin1" label really means windows-1252, which
 * is fine for that; keys and values are never decoded.
 */
const asciiDecoder = new TextDecoder("latin1");

export class LineTokens {
  private buffer: Uint8Array = new Uint8Array(0);
  /** Token boundaries within the buffer: [start0, end0, start1, end1, ...]. */
  private readonly bounds: number[] = [];

  /** Cuts buffer[lineStart, lineEnd) into tokens, replacing the previous line's. */
  read(buffer: Uint8Array, lineStart: number, lineEnd: number): this {
    this.buffer = buffer;
    const bounds = this.bounds;
    bounds.length = 0;
    let index = lineStart;
    while (index < lineEnd) {
      while (index < lineEnd && buffer[index] === SPACE) index++;
      if (index === lineEnd) break;
      const tokenStart = index;
      while (index < lineEnd && buffer[index] !== SPACE) index++;
      bounds.push(tokenStart, index);
    }
    return this;
  }

  get count(): number {
    return this.bounds.length / 2;
  }

  start(index: number): number {
    return this.bounds[index * 2] as number;
  }

  end(index: number): number {
    return this.bounds[index * 2 + 1] as number;
  }

  length(index: number): number {
    return this.end(index) - this.start(index);
  }

  /** A view of the token's bytes in the parser's buffer. */
  bytes(index: number): Uint8Array {
    return this.buffer.subarray(this.start(index), this.end(index));
  }

  /** The token's first byte (undefined past the last token). */
  firstByte(index: number): number | undefined {
    return index < this.count ? this.buffer[this.start(index)] : undefined;
  }

  equals(index: number, text: string): boolean {
    return this.length(index) === text.length && this.startsWith(index, text);
  }

  startsWith(index: number, prefix: string): boolean {
    if (this.length(index) < prefix.length) return false;
    const start = this.start(index);
    for (let offset = 0; offset < prefix.length; offset++) {
      if (this.buffer[start + offset] !== prefix.charCodeAt(offset)) return false;
    }
    return true;
  }

  text(index: number): string {
    return asciiDecoder.decode(this.bytes(index));
  }

  /** The tokens from `from` on, as text (stats arguments). */
  texts(from: number): string[] {
    const strings: string[] = [];
    for (let index = from; index < this.count; index++) strings.push(this.text(index));
    return strings;
  }

  /** memcached's set_noreply_maybe: the last token, exactly "noreply". */
  endsWithNoreply(): boolean {
    return this.count > 0 && this.equals(this.count - 1, "noreply");
  }
}
