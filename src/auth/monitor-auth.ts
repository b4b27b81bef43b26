/**
 * The monitor's door when --auth-file is given: HTTP Basic authentication
 * (Hono's basicAuth) against the same users as the memcached port, on
 * every route but /healthz (load balancers and orchestrators probe it
 * without credentials, and it tells nothing about the data). Use it with
 * --tls-cert: Basic credentials travel in every request, readable on
 * plain HTTP. An address locked out for repeated failures gets 429.
 * The check is asynchronous (see AccessCheck).
 */
import type { Context, MiddlewareHandler } from "hono";
import { basicAuth } from "hono/basic-auth";
import { getConnInfo } from "hono/bun";
import { HTTPException } from "hono/http-exception";
import type { AccessCheck } from "./access.ts";

export const REALM = "litecached";
export const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz"]);
const TOO_MANY_FAILURES = 429;
const UNAUTHORIZED = 401;

/** The client's address, or "unknown" outside Bun.serve (app.request in tests). */
function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

export function monitorAuth(access: AccessCheck): MiddlewareHandler {
  const basic = basicAuth({
    realm: REALM,
    verifyUser: async (user, password, c) =>
      (await access.authenticate(clientAddress(c), user, password)) === "ok",
  });
  return async (c, next) => {
    if (OPEN_PATHS.has(c.req.path)) return await next();
    if (await access.isLockedOut(clientAddress(c))) {
      return c.json(
        { error: "too_many_failures", message: "too many failed logins; try again later" },
        TOO_MANY_FAILURES,
      );
    }
    try {
      return await basic(c, next);
    } catch (error) {
      if (!(error instanceof HTTPException) || error.status !== UNAUTHORIZED) throw error;
      // JSON like the API's other errors (a bare body with nosniff makes browsers download it).
      return c.json(
        { error: "unauthorized", message: "log in with a user of the auth file" },
        UNAUTHORIZED,
        { "WWW-Authenticate": `Basic realm="${REALM}"` },
      );
    }
  };
}
