/**
 * One client connection for end-to-end tests of the binary protocol: sends
 * whole buffers (waiting for drain), collects reply bytes, notices a close,
 * and reads until a given response frame has arrived, or, on a text
 * connection (to see what a binary client stored), until a reply line.
 */

import { parseResponses, type ResponseFrame } from "./binary-frames.ts";
import { concatBytes, latin1Bytes, latin1Text } from "./bytes.ts";

export class BinaryConversation {
  private chunks: Uint8Array[] = [];
  private wake: (() => void) | undefined;
  private drained: (() => void) | undefined;
  closed = false;

  private constructor(private readonly socket: Awaited<ReturnType<typeof Bun.connect>>) {}

  static async open(port: number): Promise<BinaryConversation> {
    let conversation: BinaryConversation | undefined;
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_socket, chunk) {
          conversation?.chunks.push(chunk.slice());
          conversation?.wake?.();
        },
        drain() {
          conversation?.drained?.();
        },
        close() {
          if (conversation) conversation.closed = true;
          conversation?.wake?.();
          conversation?.drained?.();
        },
        error() {
          if (conversation) conversation.closed = true;
          conversation?.wake?.();
        },
      },
    });
    conversation = new BinaryConversation(socket);
    return conversation;
  }

  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length && !this.closed) {
      const written = this.socket.write(bytes.subarray(offset));
      if (written < 0) return;
      offset += written;
      if (offset < bytes.length) {
        await new Promise<void>((resolve) => {
          this.drained = resolve;
        });
        this.drained = undefined;
      }
    }
  }

  /** Everything received so far, without taking it. */
  peek(): Uint8Array {
    if (this.chunks.length > 1) this.chunks = [concatBytes(...this.chunks)];
    return this.chunks[0] ?? new Uint8Array(0);
  }

  /** Everything received since the last call. */
  take(): Uint8Array {
    const bytes = this.peek();
    this.chunks = [];
    return bytes;
  }

  /**
   * Waits until a whole frame matching `done` has arrived, the peer closes,
   * nothing arrives for `quietMs`, or `timeoutMs` passes; returns the bytes.
   */
  async readUntil(
    done: (frame: ResponseFrame) => boolean,
    quietMs: number,
    timeoutMs: number,
  ): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { frames, rest } = parseResponses(this.peek());
      const last = frames.at(-1);
      if (rest.length === 0 && last !== undefined && done(last)) break;
      if (this.closed || Date.now() > deadline) break;
      if (!(await this.waitForActivity(Math.min(quietMs, deadline - Date.now())))) break;
    }
    return this.take();
  }

  /** Text protocol: sends `request` and reads until the replies end with `ending`. */
  async exchangeText(request: string, ending: string, timeoutMs = 15_000): Promise<string> {
    await this.write(latin1Bytes(request));
    const deadline = Date.now() + timeoutMs;
    while (!latin1Text(this.peek()).endsWith(ending)) {
      if (this.closed || Date.now() > deadline) break;
      await this.waitForActivity(Math.max(1, deadline - Date.now()));
    }
    return latin1Text(this.take());
  }

  /** Resolves when data or a close arrives (true), or after timeoutMs (false). */
  waitForActivity(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve(false);
      }, timeoutMs);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve(true);
      };
    });
  }

  close(): void {
    this.socket.end();
  }
}
