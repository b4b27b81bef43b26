/**
 * A raw TCP client for tests: send exact bytes, read exact replies.
 */
import type { Socket } from "bun";
import { concatBytes, latin1Text } from "./bytes.ts";

export class RawClient {
  private received = new Uint8Array(0);
  private waiters: Array<() => void> = [];
  private closedFlag = false;
  private constructor(private readonly socket: Socket<undefined>) {}

  static async connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    let client: RawClient | undefined;
    const socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        data(_socket, chunk) {
          client?.append(chunk);
        },
        close() {
          client?.markClosed();
        },
        error() {
          client?.markClosed();
        },
      },
    });
    client = new RawClient(socket);
    return client;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  send(data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    let offset = 0;
    while (offset < bytes.length) {
      const written = this.socket.write(bytes.subarray(offset));
      if (written <= 0) throw new Error("socket closed or full while sending");
      offset += written;
    }
  }

  /** Waits until the received bytes end with `suffix` (e.g. "END\r\n") or the timeout passes. */
  async readUntil(suffix: string, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.text().endsWith(suffix)) {
      if (this.closedFlag || Date.now() > deadline) {
        throw new Error(
          `expected a reply ending in ${JSON.stringify(suffix)}, got ${JSON.stringify(this.text())}`,
        );
      }
      await this.waitForData(deadline - Date.now());
    }
    return this.take();
  }

  /** Collects whatever arrives until nothing more comes for `quietMs`. */
  async readQuiet(quietMs = 150): Promise<string> {
    while (await this.waitForData(quietMs)) {}
    return this.take();
  }

  /** Resolves once the server has closed the connection (or after the timeout, with false). */
  async waitForClose(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedFlag && Date.now() < deadline) await this.waitForData(deadline - Date.now());
    return this.closedFlag;
  }

  takeBytes(): Uint8Array {
    const bytes = this.received;
    this.received = new Uint8Array(0);
    return bytes;
  }

  close(): void {
    this.socket.end();
  }

  private take(): string {
    return latin1Text(this.takeBytes());
  }

  private text(): string {
    return latin1Text(this.received);
  }

  private append(chunk: Uint8Array): void {
    this.received = concatBytes(this.received, chunk);
    this.wake();
  }

  private markClosed(): void {
    this.closedFlag = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** True if something happened (data or close) before the timeout. */
  private waitForData(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
