/**
 * The warning for a server reachable beyond this machine with nobody asked
 * for credentials. litecached warns instead of refusing: containers and
 * private networks often listen on 0.0.0.0 on purpose behind a firewall,
 * and a refusal would make every such setup add a flag to say so.
 */

/** Host names and addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (name === "localhost" || name === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The one warning line, or undefined when there is nothing to warn about. */
export function exposureWarning(host: string, authFile: string | undefined): string | undefined {
  if (authFile !== undefined || isLoopbackHost(host)) return undefined;
  return `warning: listening on ${host} without --auth-file: anyone who can reach the memcached and monitor ports can read, change and flush every item (see "Security" in the README)`;
}
