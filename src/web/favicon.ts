/**
 * The page's icon, a small inline SVG served from here (so the browser does
 * not ask for /favicon.ico and log a 404).
 */
export const FAVICON_PATH = "/favicon.svg";

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect x="2" y="2" width="28" height="28" rx="7" fill="#0172ad"/><rect x="9" y="9" width="14" height="14" rx="3" fill="#fff"/></svg>`;
