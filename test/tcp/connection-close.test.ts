/**
 * A Connection that must close (quit) while its last replies wait for
 * their group commit: a drain event in between (TLS sockets send one
 * unasked, right after the handshake) must not close it before those
 * replies are written. Driven in process through a recording socket.
 */
import { afterAll, expect, test } from "bun:test";
import type { Socket } from "bun";
import { Connection, protocolSessions } from "../../src/tcp/connection.ts";
import { TemporaryCores } from "../support/core.ts";

const cores = new TemporaryCores("litecached-close-");
afterAll(() => cores.remove());

/** Records what the connection writes and when it ends the socket. */
function recordingSocket() {
  const events: string[] = [];
  const socket = {
    remoteAddress: "127.0.0.1",
    write(bytes: Uint8Array) {
      events.push(`write ${Buffer.from(bytes).toString("latin1")}`);
      return bytes.length;
    },
    end() {
      events.push("end");
    },
    pause() {},
    resume() {},
  };
  return { events, socket: socket as unknown as Socket<Connection> };
}

test("Should send a quit's waiting replies before closing, even if a drain comes first", async () => {
  const core = cores.open();
  const { events, socket } = recordingSocket();
  const connection = new Connection(socket, core, protocolSessions);
  connection.receive(Buffer.from("set k 0 0 1\r\nv\r\nquit\r\n"));
  // The set's STORED waits for the commit; a drain arrives meanwhile.
  connection.drain();
  expect(events).toEqual([]);
  await new Promise<void>((resolve) => core.store.whenDurable(() => resolve()));
  await Bun.sleep(0);
  expect(events).toEqual(["write STORED\r\n", "end"]);
});
