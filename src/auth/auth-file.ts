/**
 * --auth-file: the `user:password` lines of memcached 1.6's -Y file, read
 * as memcached's authfile.c reads them. The user is everything before the
 * first colon, the password everything after it up to the line end (a
 * trailing \r is not part of it). A line without a colon, an empty line
 * included, makes the file malformed, and litecached refuses to start, as
 * memcached does. Unlike memcached, which keeps only the first 8 entries,
 * every line counts.
 */
import { readFileSync } from "node:fs";
import { Credentials } from "./credentials.ts";

export class AuthFileError extends Error {
  override name = "AuthFileError";
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const COLON = 0x3a;
const NUL = 0x00;

/** Reads and parses the file; throws AuthFileError with a message for the operator. */
export function loadAuthFile(path: string): Credentials {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as { code?: string } | null)?.code ?? String(error);
    throw new AuthFileError(`cannot read the auth file ${path} (${reason})`);
  }
  const entries = parseAuthFile(bytes);
  if (entries === undefined) {
    // memcached's own words, with the path; never a line of the file (it holds passwords).
    throw new AuthFileError(
      `the auth file ${path} has a malformed entry. Should be 'user:password'`,
    );
  }
  return new Credentials(entries);
}

export interface AuthEntry {
  user: Uint8Array;
  password: Uint8Array;
}

/** The entries, or undefined when a line is malformed. */
export function parseAuthFile(bytes: Uint8Array): AuthEntry[] | undefined {
  const entries: AuthEntry[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end === -1) end = bytes.length;
    const line = bytes.subarray(start, end);
    const colon = line.indexOf(COLON);
    const nul = line.indexOf(NUL);
    if (colon === -1 || (nul !== -1 && nul < colon)) return undefined;
    let passwordEnd = colon + 1;
    while (
      passwordEnd < line.length &&
      line[passwordEnd] !== CARRIAGE_RETURN &&
      line[passwordEnd] !== NUL
    ) {
      passwordEnd++;
    }
    entries.push({
      user: line.slice(0, colon),
      password: line.slice(colon + 1, passwordEnd),
    });
    start = end + 1;
  }
  return entries;
}
