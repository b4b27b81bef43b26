/**
 * --tls-cert/--tls-key: the PEM files both ports serve TLS with (the
 * memcached port as memcached's -Z, the monitor as HTTPS). They are read
 * once at startup, so a missing or unreadable file stops litecached with a
 * clear message instead of failing each handshake.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";

export interface TlsFiles {
  cert: string;
  key: string;
}

export class TlsFileError extends Error {
  override name = "TlsFileError";
}

const PEM_BEGIN = "-----BEGIN ";

export function loadTlsFiles(certPath: string, keyPath: string): TlsFiles {
  const cert = readPem(certPath, "--tls-cert");
  const key = readPem(keyPath, "--tls-key");
  let matches: boolean;
  try {
    matches = new X509Certificate(cert).checkPrivateKey(createPrivateKey(key));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TlsFileError(
      `cannot use --tls-cert ${certPath} with --tls-key ${keyPath}: ${reason}`,
    );
  }
  if (!matches)
    throw new TlsFileError(`--tls-key ${keyPath} is not the key of --tls-cert ${certPath}`);
  return { cert, key };
}

function readPem(path: string, flag: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const reason = (error as { code?: string } | null)?.code ?? String(error);
    throw new TlsFileError(`cannot read ${flag} ${path} (${reason})`);
  }
  if (!text.includes(PEM_BEGIN)) throw new TlsFileError(`${flag} ${path} is not a PEM file`);
  return text;
}
