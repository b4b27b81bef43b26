/**
 * The monitor's writes and its offline state in real Chromium, against a
 * server started with --monitor-writes: set, edit, delete and flush from
 * the page (each shows up through the live feed), a page on another
 * origin that tries to write (refused), and the page once the server is
 * gone (stats dimmed, time of the last update shown).
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { Page } from "playwright-core";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";
import { type LaunchedChromium, launchChromium } from "./chromium.ts";

setDefaultTimeout(30_000);

let server: RunningServer;
let memcached: TestClient;
let browser: LaunchedChromium;
let page: Page;
let base: string;
let attacker: ReturnType<typeof Bun.serve> | undefined;
/** What the next confirm() or prompt() answers; null dismisses it. */
let dialogAnswer: string | null = null;
const dialogs: string[] = [];

async function getValue(key: string): Promise<string | undefined> {
  memcached.send(`get ${key}\r\n`);
  const reply = await memcached.readUntil("END\r\n");
  const match = /^VALUE \S+ \d+ \d+\r\n([\s\S]*)\r\nEND\r\n$/.exec(reply);
  return match?.[1];
}

async function setKey(key: string, value: string): Promise<void> {
  memcached.send(`set ${key} 0 0 ${Buffer.byteLength(value)}\r\n${value}\r\n`);
  expect(await memcached.readUntil("\r\n")).toBe("STORED\r\n");
}

const row = (key: string) => page.locator(`.key-row[data-key="${key}"]`);

async function openMonitor(path = "/"): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForSelector('#live-status[data-state="live"]');
}

beforeAll(async () => {
  server = await startServer({ extraArgs: ["--monitor-writes"] });
  base = `http://127.0.0.1:${server.httpPort}`;
  memcached = await TestClient.connect(server.port);
  browser = await launchChromium();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    if (dialogAnswer === null) void dialog.dismiss();
    else void dialog.accept(dialogAnswer);
  });
}, 60_000);

afterAll(async () => {
  attacker?.stop(true);
  await browser?.close();
  memcached?.close();
  await server?.kill();
});

describe("The monitor's writes in Chromium", () => {
  test("Should set a key from the form, and show it through the live feed", async () => {
    await openMonitor();
    await page.locator(".write-tools summary").click();
    await page.locator('.set-form input[name="key"]').fill("greeting:en");
    await page.locator('.set-form textarea[name="value"]').fill("hello, world");
    await page.locator('.set-form input[name="flags"]').fill("5");
    await page.locator(".set-form button[type=submit]").click();
    await page.locator(".set-form .write-status", { hasText: "Stored “greeting:en”." }).waitFor();
    await row("greeting:en").waitFor({ timeout: 5000 });
    expect(await getValue("greeting:en")).toBe("hello, world");
  });

  test("Should edit a value and its flags in place", async () => {
    await setKey("edit:me", "before");
    await openMonitor();
    await row("edit:me").locator(".key-toggle").click();
    await row("edit:me").locator("pre.value", { hasText: "before" }).waitFor();
    await row("edit:me").getByRole("button", { name: "Edit", exact: true }).click();
    await row("edit:me").locator('.edit-form textarea[name="value"]').fill("after édit");
    await row("edit:me").locator('.edit-form input[name="flags"]').fill("9");
    await row("edit:me").getByRole("button", { name: "Save", exact: true }).click();
    await row("edit:me").locator("pre.value", { hasText: "after édit" }).waitFor({ timeout: 5000 });
    await row("edit:me").locator(".item-meta dd", { hasText: /^9$/ }).waitFor();
    // The raw client reads bytes as Latin-1: the value went in as UTF-8.
    expect(await getValue("edit:me")).toBe(Buffer.from("after édit").toString("latin1"));
  });

  test("Should delete a key only after confirmation", async () => {
    await setKey("delete:me", "x");
    await openMonitor();
    await row("delete:me").locator(".key-toggle").click();
    await row("delete:me").locator("pre.value").waitFor();
    dialogAnswer = null;
    await row("delete:me").getByRole("button", { name: "Delete", exact: true }).click();
    await Bun.sleep(300);
    expect(await getValue("delete:me")).toBe("x");
    dialogAnswer = "";
    await row("delete:me").getByRole("button", { name: "Delete", exact: true }).click();
    await row("delete:me").locator(".item-deleted").waitFor({ timeout: 5000 });
    expect(await getValue("delete:me")).toBeUndefined();
    expect(dialogs.at(-1)).toBe("Delete the key “delete:me”?");
  });

  test("Should flush everything only when the confirmation is typed", async () => {
    await setKey("flush:one", "1");
    await openMonitor();
    dialogAnswer = "yes";
    await page.getByRole("button", { name: "Flush all…" }).click();
    await page.locator(".flush-form .write-status", { hasText: "Nothing flushed." }).waitFor();
    expect(await getValue("flush:one")).toBe("1");
    dialogAnswer = "flush";
    await page.getByRole("button", { name: "Flush all…" }).click();
    await page
      .locator(".empty-list", { hasText: "No keys stored yet." })
      .waitFor({ timeout: 5000 });
    expect(await getValue("flush:one")).toBeUndefined();
  });

  test("Should refuse writes that a page on another origin sends", async () => {
    const target = base;
    attacker = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () =>
        new Response(
          `<!doctype html><form method="post" action="${target}/api/set">
            <input name="key" value="csrf:form"><input name="value" value="x"></form>
          <script>
            fetch("${target}/api/set", { method: "POST", mode: "no-cors",
              body: new URLSearchParams({ key: "csrf:fetch", value: "x" }) })
              .finally(() => fetch("${target}/api/flush", { method: "POST", mode: "no-cors" }))
              .finally(() => document.forms[0].submit());
          </script>`,
          { headers: { "content-type": "text/html" } },
        ),
    });
    await setKey("survivor", "still here");
    const response = page.waitForResponse(`${target}/api/set`);
    await page.goto(`http://127.0.0.1:${attacker.port}/`);
    expect((await response).status()).toBe(403);
    await page.waitForURL(`${target}/api/set`);
    expect(await page.locator("body").textContent()).toContain("another origin");
    expect(await getValue("csrf:form")).toBeUndefined();
    expect(await getValue("csrf:fetch")).toBeUndefined();
    expect(await getValue("survivor")).toBe("still here");
  });

  test("Should dim the stats and say since when once the server is gone", async () => {
    await openMonitor();
    await server.kill();
    const status = page.locator("#live-status");
    await status.filter({ hasText: "Last update" }).waitFor({ timeout: 10_000 });
    expect(await status.getAttribute("data-state")).toMatch(/^(reconnecting|offline)$/);
    expect(await status.textContent()).toMatch(
      /^offline.*Last update \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
    );
    const opacity = await page
      .locator("#stats")
      .evaluate((element) => Number(getComputedStyle(element).opacity));
    expect(opacity).toBeLessThan(0.6);
  });
});
