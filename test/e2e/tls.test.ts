/**
 * --tls-cert/--tls-key against the real litecached process, with a
 * self-signed certificate made for the test by openssl: the memcached port
 * speaks TLS (pymemcache's tls_context, Bun's TLS client and `openssl
 * s_client` driving text commands, authenticated with --auth-file over the encrypted connection),
 * a plain-text client is closed without harm, a client that does not trust
 * the certificate refuses it, and the monitor serves HTTPS.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Certificate, makeCertificate } from "../support/certificates.ts";
import { runClientScript } from "../support/client-scripts.ts";
import { type RunningServer, startServer, temporaryFile } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const USER = "tls-user";
const PASSWORD = "tls-password";
const TIMEOUT_MS = 10_000;

let certificate: Certificate;
let stranger: Certificate;
let server: RunningServer;

beforeAll(async () => {
  certificate = makeCertificate("server");
  stranger = makeCertificate("stranger");
  const authFile = temporaryFile("auth", `${USER}:${PASSWORD}\n`);
  server = await startServer({
    extraArgs: [
      "--auth-file",
      authFile,
      "--tls-cert",
      certificate.certPath,
      "--tls-key",
      certificate.keyPath,
    ],
  });
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

interface TlsOutcome {
  handshake: boolean;
  /** The verification error when the handshake failed. */
  error: string | undefined;
  replies: string;
}

/**
 * Connects with TLS trusting `ca`, sends `request` once the handshake is
 * done (Bun's client drops bytes written before it), and reads until the
 * replies end with `ending` or the connection closes.
 */
async function tlsExchange(ca: string, request: string, ending: string): Promise<TlsOutcome> {
  const outcome: TlsOutcome = { handshake: false, error: undefined, replies: "" };
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: server.port,
    tls: { ca, serverName: "localhost" },
    socket: {
      handshake(socket, success, error) {
        outcome.handshake = success;
        outcome.error =
          error === null ? undefined : String((error as { code?: string }).code ?? error);
        if (success) socket.write(request);
        else done();
      },
      data(_socket, chunk) {
        outcome.replies += Buffer.from(chunk).toString("latin1");
        if (outcome.replies.endsWith(ending)) done();
      },
      close: () => done(),
      error: () => done(),
    },
  });
  const timer = setTimeout(done, TIMEOUT_MS);
  await finished;
  clearTimeout(timer);
  socket.end();
  return outcome;
}

const AUTHENTICATE = `set auth 0 0 ${USER.length + 1 + PASSWORD.length}\r\n${USER} ${PASSWORD}\r\n`;

describe("TLS on the memcached port", () => {
  test("Should answer text commands over TLS, after the authentication handshake", async () => {
    const outcome = await tlsExchange(
      certificate.cert,
      `${AUTHENTICATE}set tls:key 0 0 5\r\nhello\r\nget tls:key\r\n`,
      "END\r\n",
    );
    expect(outcome.handshake).toBe(true);
    expect(outcome.replies).toBe("STORED\r\nSTORED\r\nVALUE tls:key 0 5\r\nhello\r\nEND\r\n");
  });

  test("Should serve openssl s_client driving text commands", async () => {
    const child = Bun.spawn(
      [
        "openssl",
        "s_client",
        "-connect",
        `127.0.0.1:${server.port}`,
        "-servername",
        "localhost",
        "-CAfile",
        certificate.certPath,
        "-verify_return_error",
        "-quiet",
        "-ign_eof",
      ],
      {
        stdin: new Blob([`${AUTHENTICATE}set ssl:key 0 0 2\r\nok\r\nget ssl:key\r\nquit\r\n`]),
        stdout: "pipe",
        stderr: "ignore",
        timeout: TIMEOUT_MS,
      },
    );
    // -ign_eof: s_client keeps reading after its input ends, until quit closes the connection.
    expect(await new Response(child.stdout).text()).toBe(
      "STORED\r\nSTORED\r\nVALUE ssl:key 0 2\r\nok\r\nEND\r\n",
    );
    expect(await child.exited).toBe(0);
  });

  test("Should serve pymemcache with a tls_context, and be refused when it trusts another certificate", async () => {
    const { exitCode, stderr, checks } = await runClientScript("pymemcache-tls.py", [
      String(server.port),
      certificate.certPath,
      stranger.certPath,
      USER,
      PASSWORD,
    ]);
    expect({ exitCode, stderr }).toEqual({ exitCode: 0, stderr: "" });
    expect(checks).toEqual([
      ["authenticate", true],
      ["set", true],
      ["get", "over tls"],
      ["get_many", { "pymemcache:tls": "over tls" }],
      ["a certificate it does not trust", "self-signed certificate"],
    ]);
  }, 30_000);

  test("Should close a client that speaks plain text to the TLS port, and keep serving", async () => {
    const plain = await TestClient.connect(server.port);
    try {
      await plain.send("version\r\n").catch(() => {});
      expect(await plain.waitForClose(TIMEOUT_MS)).toBe(true);
      expect(plain.take()).not.toContain("VERSION");
    } finally {
      plain.close();
    }
    const outcome = await tlsExchange(certificate.cert, "version\r\n", "\r\n");
    expect(outcome.replies).toBe("CLIENT_ERROR unauthenticated\r\n");
    expect(server.process.exitCode).toBeNull();
  });

  test("Should be refused by a client that trusts another certificate", async () => {
    const outcome = await tlsExchange(stranger.cert, AUTHENTICATE, "\r\n");
    expect(outcome.handshake).toBe(false);
    expect(outcome.error).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
    expect(outcome.replies).toBe("");
  });
});

describe("HTTPS on the monitor", () => {
  const url = (path: string) => `https://localhost:${server.httpPort}${path}`;
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

  test("Should serve the API over HTTPS with credentials", async () => {
    const response = await fetch(url("/api/stats"), {
      headers: { Authorization: basic },
      tls: { ca: certificate.cert },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty("items");
  });

  test("Should not answer plain HTTP on the HTTPS port", async () => {
    const attempt = fetch(`http://127.0.0.1:${server.httpPort}/healthz`).then(
      (response) => response.status,
      () => "refused",
    );
    expect(await attempt).not.toBe(200);
  });
});

describe("Refusing bad TLS files at startup", () => {
  test("Should exit 1 with a message when the key is not the certificate's", async () => {
    const attempt = startServer({
      extraArgs: ["--tls-cert", certificate.certPath, "--tls-key", stranger.keyPath],
    });
    await expect(attempt).rejects.toThrow(/is not the key of --tls-cert/);
  });

  test("Should exit 1 when only one of the two flags is given", async () => {
    await expect(startServer({ extraArgs: ["--tls-cert", certificate.certPath] })).rejects.toThrow(
      /--tls-cert and --tls-key go together/,
    );
  });
});
