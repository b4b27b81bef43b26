/**
 * Self-signed certificates for the TLS tests, made with Debian's openssl
 * in a temporary folder (removed with the test's other folders): never
 * committed, never reused between runs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { temporaryDirectory } from "./temporary-folders.ts";

export interface Certificate {
  certPath: string;
  keyPath: string;
  /** The certificate's PEM text: a client trusts exactly this one. */
  cert: string;
}

/** A P-256 certificate for localhost and 127.0.0.1, valid for a day. */
export function makeCertificate(name = "server"): Certificate {
  const folder = temporaryDirectory("litecached-tls-");
  const certPath = join(folder, `${name}.crt`);
  const keyPath = join(folder, `${name}.key`);
  const result = Bun.spawnSync(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=litecached test ${name}`,
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      keyPath,
      "-out",
      certPath,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (result.exitCode !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
  return { certPath, keyPath, cert: readFileSync(certPath, "utf8") };
}
