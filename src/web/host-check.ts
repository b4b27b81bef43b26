/**
 * DNS-rebinding guard: a page on another site can make a browser resolve
 * its own name to 127.0.0.1 and read our API. Such requests carry that
 * site's name in the Host header, so only our own names and addresses are
 * served; anything else gets 403.
 */
import { networkInterfaces } from "node:os";
import type { MiddlewareHandler } from "hono";
import { ApiError } from "./api-error.ts";

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"] as const;
const WILDCARD_ADDRESSES = new Set(["0.0.0.0", "::", "[::]"]);

/** A host name or IP address as it appears in a Host header (IPv6 in brackets, lowercase). */
function hostHeaderName(host: string): string {
  const name = host.toLowerCase();
  return name.includes(":") && !name.startsWith("[") ? `[${name}]` : name;
}

/**
 * The Host header values this server answers to: the loopback names, the
 * address it listens on and, when that is a wildcard, the machine's own
 * interface addresses. The port may be left out only when it is 80.
 */
export function allowedHosts(listenHost: string, port: number): Set<string> {
  const names = new Set<string>([...LOOPBACK_NAMES, hostHeaderName(listenHost)]);
  if (WILDCARD_ADDRESSES.has(listenHost)) {
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) names.add(hostHeaderName(address.address));
    }
  }
  const allowed = new Set<string>();
  for (const name of names) {
    if (WILDCARD_ADDRESSES.has(name)) continue;
    allowed.add(`${name}:${port}`);
    if (port === 80) allowed.add(name);
  }
  return allowed;
}

export function hostCheck(allowed: ReadonlySet<string>): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header("host") ?? "").toLowerCase();
    if (!allowed.has(host)) {
      throw new ApiError(403, "forbidden_host", "this server does not answer to that Host header");
    }
    await next();
  };
}
