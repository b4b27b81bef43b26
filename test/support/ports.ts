/**
 * Free TCP ports on 127.0.0.1 for servers started by tests.
 */

/** Asks the kernel for a port nobody listens on (a tiny race is acceptable in tests). */
export function freePort(): number {
  const probe = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data() {} },
  });
  const { port } = probe;
  probe.stop(true);
  return port;
}
