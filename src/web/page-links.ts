/**
 * Links between pages of the key list. Keys arrive already percent-encoded
 * (key-codec), so the link carries their exact bytes.
 */

export interface PageCursor {
  after?: string;
  before?: string;
}

export function pageHref(encodedPrefix: string, cursor: PageCursor = {}): string {
  const parts: string[] = [];
  if (encodedPrefix !== "") parts.push(`prefix=${encodedPrefix}`);
  if (cursor.after !== undefined) parts.push(`after=${cursor.after}`);
  if (cursor.before !== undefined) parts.push(`before=${cursor.before}`);
  return parts.length === 0 ? "/" : `/?${parts.join("&")}`;
}
