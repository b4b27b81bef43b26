/**
 * The monitor behind --auth-file, against the real litecached process:
 * every route but /healthz asks for HTTP Basic credentials of the auth
 * file's users (fetch with none, wrong and right ones; Chromium with and
 * without), and the password never shows up on the page, the API,
 * /metrics, memcached's `stats` or the server's output.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chromium } from "playwright-core";
import { REALM } from "../../src/auth/monitor-auth.ts";
import { type RunningServer, startServer, temporaryFile } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"];
const USER = "monitor-user";
/** Distinctive, so that finding it anywhere in an output means it leaked. */
const PASSWORD = "pw-Zq8xK2mVt7";
const PROTECTED = [
  "/",
  "/api/stats",
  "/api/keys",
  "/api/key?key=auth%3Akey",
  "/metrics",
  "/api/events",
];

let server: RunningServer;
let base: string;

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

/** Fetches a path; an event stream is cancelled once its status is known. */
async function statusOf(path: string, authorization?: string): Promise<Response> {
  const response = await fetch(`${base}${path}`, {
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
  if (path === "/api/events") await response.body?.cancel();
  return response;
}

beforeAll(async () => {
  const authFile = temporaryFile("auth", `${USER}:${PASSWORD}\nsecond:other-password\n`);
  server = await startServer({ extraArgs: ["--auth-file", authFile] });
  base = `http://127.0.0.1:${server.httpPort}`;
  const client = await TestClient.connect(server.port);
  try {
    const handshake = `${USER} ${PASSWORD}`;
    expect(await client.call(`set auth 0 0 ${handshake.length}\r\n${handshake}\r\n`)).toBe(
      "STORED",
    );
    expect(await client.set("auth:key", "visible value")).toBe("STORED");
  } finally {
    client.close();
  }
});

afterAll(async () => {
  expect(await server?.stop()).toBe(0);
});

describe("The monitor with --auth-file", () => {
  test("Should ask for Basic credentials on every route but /healthz", async () => {
    for (const path of PROTECTED) {
      const response = await statusOf(path);
      expect({ path, status: response.status }).toEqual({ path, status: 401 });
      expect(response.headers.get("WWW-Authenticate")).toBe(`Basic realm="${REALM}"`);
    }
    expect((await statusOf("/healthz")).status).toBe(200);
  });

  test("Should refuse a wrong password and an unknown user", async () => {
    for (const authorization of [
      basic(USER, "wrong"),
      basic("nobody", PASSWORD),
      basic("second", PASSWORD),
    ]) {
      expect((await statusOf("/api/stats", authorization)).status).toBe(401);
    }
  });

  test("Should serve every route to either user of the auth file", async () => {
    for (const path of PROTECTED) {
      const response = await statusOf(path, basic(USER, PASSWORD));
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
    }
    expect((await statusOf("/api/stats", basic("second", "other-password"))).status).toBe(200);
  });

  test("Should show the page in Chromium with credentials, and nothing without", async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const anonymous = await browser.newContext();
      const anonymousPage = await anonymous.newPage();
      // Headless Chromium cannot prompt: the navigation fails, or shows the 401.
      const refused = await anonymousPage.goto(`${base}/`).then(
        (response) => String(response?.status()),
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/^401$|ERR_INVALID_AUTH_CREDENTIALS/);
      await anonymous.close();

      const user = await browser.newContext({
        httpCredentials: { username: USER, password: PASSWORD },
      });
      const page = await user.newPage();
      const shown = await page.goto(`${base}/`);
      expect(shown?.status()).toBe(200);
      // The island's event stream opens with the same credentials.
      await page.waitForSelector('#live-status[data-state="live"]', { timeout: 20_000 });
      expect(await page.textContent("body")).toContain("auth:key");
      await user.close();
    } finally {
      await browser.close();
    }
  }, 60_000);

  test("Should never show a password on the page, the API, /metrics or memcached's stats", async () => {
    const outputs: string[] = [];
    for (const path of ["/", "/api/stats", "/api/keys", "/metrics"]) {
      outputs.push(await (await statusOf(path, basic(USER, PASSWORD))).text());
    }
    const client = await TestClient.connect(server.port);
    try {
      const handshake = `${USER} ${PASSWORD}`;
      await client.call(`set auth 0 0 ${handshake.length}\r\n${handshake}\r\n`);
      for (const group of ["", " settings"]) {
        await client.send(`stats${group}\r\n`);
        outputs.push(await client.readUntil("END\r\n"));
      }
    } finally {
      client.close();
    }
    outputs.push(server.stderr());
    for (const output of outputs) {
      expect(output).not.toContain(PASSWORD);
      expect(output).not.toContain("other-password");
    }
    expect(outputs.join("")).toContain("auth_enabled_ascii");
  });
});
