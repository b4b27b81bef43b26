/**
 * Headers sent with every response, through Hono's secure-headers: a
 * Content-Security-Policy that lets the page run only its own script and
 * style (no inline code, nothing from another host), no MIME sniffing, no
 * framing, no referrer. Only the policy is ours.
 */
import { secureHeaders } from "hono/secure-headers";

export const securityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    // Pico CSS draws its icons as inline SVG data URIs inside the stylesheet.
    imgSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  crossOriginResourcePolicy: "same-origin",
  // The monitor is plain HTTP on a private address: HSTS would be ignored there, or wrong behind a proxy.
  strictTransportSecurity: false,
});
