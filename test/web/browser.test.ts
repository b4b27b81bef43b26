/**
 * The monitor in a real browser: Debian's chromium driven by playwright-core
 * against the real server (bun main.ts), with keys written over the
 * memcached port. Also takes the README's screenshot: into a temporary
 * folder normally, into docs/monitor.png with UPDATE_SCREENSHOT=1
 * (`npm run screenshot`), so test runs do not rewrite a committed file.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page, Response as PageResponse } from "playwright-core";
import { REPOSITORY_ROOT, type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";
import { type LaunchedChromium, launchChromium } from "./chromium.ts";

const UPDATE_SCREENSHOT = process.env.UPDATE_SCREENSHOT === "1";
const screenshotFolder = UPDATE_SCREENSHOT
  ? join(REPOSITORY_ROOT, "docs")
  : mkdtempSync(join(tmpdir(), "litecached-screenshot-"));
const SCREENSHOT_PATH = join(screenshotFolder, "monitor.png");
const PHONE_SCREENSHOT_PATH = join(screenshotFolder, "monitor-phone.png");

const PROFILE_JSON = JSON.stringify({
  id: 1001,
  name: "Ada Lovelace",
  email: "ada@example.com",
  roles: ["admin", "editor"],
  preferences: { theme: "dark", language: "en-GB", newsletter: false },
  lastLogin: "2024-05-04T09:21:37Z",
});
const HOSTILE_KEY = "<img/src=x/onerror=alert(1)>";
const HOSTILE_VALUE = '</script><script>alert("value")</script><img src=x onerror=alert(2)>';
const BINARY_VALUE = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01, 0xff,
]);

/** Some 938 KiB of CJK text: three bytes a character, so a 256 KiB cut falls inside one. */
const CJK_VALUE = "漢字かな交じり文".repeat(40_021);
const BIG_JSON = JSON.stringify({
  rows: Array.from({ length: 9000 }, (_, id) => ({ id, name: `row ${id}`, tags: ["a", "b"] })),
});
const BIG_BINARY = Uint8Array.from({ length: 1024 * 1024 }, (_, index) => (index * 31 + 7) % 256);
const AXE_SOURCE = readFileSync(
  join(REPOSITORY_ROOT, "node_modules", "axe-core", "axe.min.js"),
  "utf8",
);

// Each test loads the page and waits for live updates: generous on a busy machine.
setDefaultTimeout(30_000);

let server: RunningServer;
let memcached: TestClient;
let browser: LaunchedChromium;
let context: BrowserContext;
let page: Page;
let base: string;
const requestedUrls: string[] = [];
const dialogs: string[] = [];
/** Console errors and uncaught exceptions, CSP violations among them. */
const pageErrors: string[] = [];

async function setKey(key: string, value: string | Uint8Array, flags = 0): Promise<void> {
  const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
  memcached.send(`set ${key} ${flags} 0 ${bytes.length}\r\n`);
  memcached.send(bytes);
  memcached.send("\r\n");
  expect(await memcached.readUntil("\r\n")).toBe("STORED\r\n");
}

async function deleteKey(key: string): Promise<void> {
  memcached.send(`delete ${key}\r\n`);
  expect(await memcached.readUntil("\r\n")).toBe("DELETED\r\n");
}

/** Loads the page and waits until the island has taken over and the event stream is open. */
async function openMonitor(path = "/"): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForSelector('#live-status[data-state="live"]');
}

const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);
const row = (key: string) =>
  page.locator(".key-row").filter({ has: page.locator(".key-label", { hasText: exactly(key) }) });
const toggle = (key: string) => row(key).locator(".key-toggle");

beforeAll(async () => {
  server = await startServer();
  base = `http://127.0.0.1:${server.httpPort}`;
  memcached = await TestClient.connect(server.port);
  await setKey("user:1001:profile", PROFILE_JSON, 3);
  await setKey("user:1002:profile", JSON.stringify({ id: 1002, name: "Alan Turing" }), 3);
  await setKey("session:9f2c4e", "user=1001; expires=2024-05-05T09:21:37Z");
  await setKey("counter:page-views", "48213");
  await setKey("feature:new-dashboard", "enabled");
  await setKey("thumbnail:1001", BINARY_VALUE, 1);
  await setKey("config:app", JSON.stringify({ cache: { ttl: 300, size: "64m" }, debug: false }));
  // A few lookups, so that the stats header has a hit ratio to show.
  memcached.send(
    "get user:1001:profile session:9f2c4e counter:page-views feature:new-dashboard user:9999\r\n",
  );
  await memcached.readUntil("END\r\n");

  browser = await launchChromium();
  context = browser.context;
  context.on("request", (request) => requestedUrls.push(request.url()));
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  memcached?.close();
  await server?.stop();
  if (!UPDATE_SCREENSHOT) rmSync(screenshotFolder, { recursive: true, force: true });
});

describe("The monitor page in Chromium", () => {
  test("Should list the stored keys with their values hidden", async () => {
    await openMonitor();
    const labels = await page.locator(".key-label").allTextContents();
    expect(labels).toEqual([
      "config:app",
      "counter:page-views",
      "feature:new-dashboard",
      "session:9f2c4e",
      "thumbnail:1001",
      "user:1001:profile",
      "user:1002:profile",
    ]);
    expect(await page.locator('.key-toggle[aria-expanded="true"]').count()).toBe(0);
    expect(await page.locator("pre.value").count()).toBe(0);
    const text = await page.locator("body").textContent();
    expect(text).not.toContain("Ada Lovelace");
    expect(text).not.toContain("48213");
  });

  test("Should reveal the right value on a click and hide it on a second click", async () => {
    await openMonitor();
    await toggle("user:1001:profile").click();
    await expect(toggle("user:1001:profile").getAttribute("aria-expanded")).resolves.toBe("true");
    const value = row("user:1001:profile").locator("pre.value");
    await value.waitFor();
    expect(await value.textContent()).toBe(JSON.stringify(JSON.parse(PROFILE_JSON), null, 2));
    const meta = (term: string) =>
      row("user:1001:profile").locator(".item-meta > div", { hasText: term }).locator("dd");
    expect(await meta("Flags").textContent()).toBe("3");
    expect(await meta("Size").textContent()).toBe(`${PROFILE_JSON.length} B`);
    expect(await meta("Format").textContent()).toBe("JSON");
    expect(await page.locator("pre.value").count()).toBe(1);

    await toggle("user:1001:profile").click();
    expect(await toggle("user:1001:profile").getAttribute("aria-expanded")).toBe("false");
    expect(await row("user:1001:profile").locator(".item-panel").isHidden()).toBe(true);
    expect(await page.locator("pre.value").count()).toBe(0);
  });

  test("Should toggle a value from the keyboard", async () => {
    await openMonitor();
    await toggle("session:9f2c4e").focus();
    await page.keyboard.press("Enter");
    const value = row("session:9f2c4e").locator("pre.value");
    await value.waitFor();
    expect(await value.textContent()).toBe("user=1001; expires=2024-05-05T09:21:37Z");
    await page.keyboard.press("Space");
    expect(await toggle("session:9f2c4e").getAttribute("aria-expanded")).toBe("false");
  });

  test("Should show a binary value as a hex dump", async () => {
    await openMonitor();
    await toggle("thumbnail:1001").click();
    const value = row("thumbnail:1001").locator("pre.value");
    await value.waitFor();
    expect(await value.textContent()).toBe(
      "00000000  89 50 4e 47 0d 0a 1a 0a  00 01 ff                 |.PNG.......|",
    );
  });

  test("Should follow the system's light and dark themes", async () => {
    await openMonitor();
    const background = () =>
      page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.emulateMedia({ colorScheme: "light" });
    const light = await background();
    await page.emulateMedia({ colorScheme: "dark" });
    const dark = await background();
    await page.emulateMedia({ colorScheme: "light" });
    const brightness = (color: string) =>
      (color.match(/\d+/g) ?? []).slice(0, 3).reduce((sum, part) => sum + Number(part), 0);
    expect(brightness(light)).toBeGreaterThan(600);
    expect(brightness(dark)).toBeLessThan(150);
  });

  test("Should fit a phone's width without sideways scrolling", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await openMonitor();
      await toggle("user:1001:profile").click();
      await row("user:1001:profile").locator("pre.value").waitFor();
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBeLessThanOrEqual(0);
    } finally {
      await page.setViewportSize({ width: 1200, height: 900 });
    }
  });

  test("Should take the README's screenshot with a value revealed", async () => {
    await openMonitor();
    // Two samples at least (one is taken every 5 s), so that the charts draw lines.
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-chart="items"]')?.getAttribute("data-points")) >= 2,
      undefined,
      { timeout: 20_000 },
    );
    await toggle("user:1001:profile").click();
    await row("user:1001:profile").locator("pre.value").waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true, animations: "disabled" });
    expect(existsSync(SCREENSHOT_PATH)).toBe(true);
    const png = readFileSync(SCREENSHOT_PATH);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  test("Should show a hostile key and value as inert text", async () => {
    await setKey(HOSTILE_KEY, HOSTILE_VALUE);
    await setKey("</script><script>alert(3)</script>", "x");
    await openMonitor();
    expect(await page.locator(".key-label", { hasText: HOSTILE_KEY }).count()).toBe(1);
    expect(
      await page.locator(".key-label", { hasText: "</script><script>alert(3)</script>" }).count(),
    ).toBe(1);
    await toggle(HOSTILE_KEY).click();
    const value = row(HOSTILE_KEY).locator("pre.value");
    await value.waitFor();
    expect(await value.textContent()).toBe(HOSTILE_VALUE);
    await Bun.sleep(200);
    expect(dialogs).toEqual([]);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1);
    expect(await page.locator("[onerror]").count()).toBe(0);
    await deleteKey(HOSTILE_KEY);
    await deleteKey("</script><script>alert(3)</script>");
  });

  test("Should add, update and remove keys set over the memcached port without a reload", async () => {
    await openMonitor();
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const itemsBefore =
      (await page.locator(".stat", { hasText: "Items" }).locator("dd").textContent()) ?? "";

    await setKey("live:arrived", "hello from memcached");
    await toggle("live:arrived").waitFor({ timeout: 5000 });
    const labels = await page.locator(".key-label").allTextContents();
    expect(labels.indexOf("live:arrived")).toBe(labels.indexOf("feature:new-dashboard") + 1);

    await toggle("live:arrived").click();
    await row("live:arrived").locator("pre.value", { hasText: "hello from memcached" }).waitFor();
    await setKey("live:arrived", "changed value");
    await row("live:arrived").locator("pre.value", { hasText: "changed value" }).waitFor();

    await page
      .locator(".stat", { hasText: "Items" })
      .locator("dd", { hasNotText: itemsBefore })
      .waitFor({ timeout: 5000 });

    // A closed key that is deleted leaves the list.
    await setKey("live:closed", "x");
    await row("live:closed").waitFor({ timeout: 5000 });
    await deleteKey("live:closed");
    await row("live:closed").waitFor({ state: "detached", timeout: 5000 });

    // The open one stays where it was, marked deleted, with the focus still on it.
    await toggle("live:arrived").focus();
    await deleteKey("live:arrived");
    await row("live:arrived").locator(".item-deleted").waitFor({ timeout: 5000 });
    await page.locator(".key-row.deleted").waitFor({ timeout: 5000 });
    expect(
      await row("live:arrived").evaluate((element) => element.classList.contains("deleted")),
    ).toBe(true);
    expect(
      await toggle("live:arrived").evaluate((element) => element === document.activeElement),
    ).toBe(true);
    expect(await row("live:arrived").locator("pre.value").textContent()).toBe("changed value");
    // Closing it lets it go.
    await page.keyboard.press("Enter");
    await row("live:arrived").waitFor({ state: "detached", timeout: 5000 });
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    ).toBe(true);
  }, 30_000);

  test("Should page through keys with next and previous links", async () => {
    for (let index = 0; index < 120; index++) {
      await setKey(`page:${String(index).padStart(3, "0")}`, "v");
    }
    await openMonitor("/?prefix=page:");
    expect(await page.locator(".key-row").count()).toBe(100);
    await page.locator('a[rel="next"]').first().click();
    await page.waitForSelector('#live-status[data-state="live"]');
    expect(await page.locator(".key-label").allTextContents()).toEqual(
      Array.from({ length: 20 }, (_, index) => `page:${100 + index}`),
    );
    await page.locator('a[rel="prev"]').first().click();
    await page.waitForSelector('#live-status[data-state="live"]');
    expect((await page.locator(".key-label").allTextContents())[0]).toBe("page:000");
  });

  test("Should refill a page that lost keys, count them, and highlight a new one", async () => {
    await openMonitor("/?prefix=page:");
    const summary = page.locator(".list-summary");
    expect(await summary.textContent()).toBe("1–100 of 120 keys starting with “page:”");
    await deleteKey("page:050");
    await summary.filter({ hasText: "1–100 of 119 keys" }).waitFor({ timeout: 5000 });
    const labels = await page.locator(".key-label").allTextContents();
    expect(labels).toHaveLength(100);
    expect(labels.at(-1)).toBe("page:100");
    expect(labels).not.toContain("page:050");
    await setKey("page:050", "back");
    await page.locator(".key-row.row-added", { hasText: "page:050" }).waitFor({ timeout: 5000 });
    await setKey("page:010", "changed");
    await page.locator(".key-row.row-changed", { hasText: "page:010" }).waitFor({ timeout: 5000 });
    expect(await page.locator(".key-row").count()).toBe(100);
  }, 30_000);

  test("Should show a large CJK text preview as text, cut at a character, then the whole value", async () => {
    await setKey("big:cjk", CJK_VALUE);
    await openMonitor("/?prefix=big:");
    await toggle("big:cjk").click();
    const item = row("big:cjk");
    await item.locator("pre.value").waitFor();
    expect(await item.locator(".item-format").textContent()).toBe("UTF-8 text, first 256 KiB");
    expect(await item.locator(".item-note").textContent()).toContain(
      "Showing the first 256 KiB of 938 KiB.",
    );
    expect(await item.locator(".copy-button").textContent()).toBe("Copy the first 256 KiB");
    const preview = (await item.locator("pre.value").textContent()) ?? "";
    expect(CJK_VALUE.startsWith(preview)).toBe(true);
    expect(new TextEncoder().encode(preview).length).toBe(262_143);

    await item.getByRole("button", { name: "Show the whole value" }).click();
    await item.locator(".item-format", { hasText: /^UTF-8 text$/ }).waitFor();
    expect(await item.locator("pre.value").textContent()).toBe(CJK_VALUE);
    expect(await item.locator(".copy-button").textContent()).toBe("Copy value");
    expect(await item.locator(".item-note").count()).toBe(0);
  }, 30_000);

  test("Should keep a JSON preview over 256 KiB as JSON, re-indented", async () => {
    await setKey("big:json", BIG_JSON);
    await openMonitor("/?prefix=big:");
    await toggle("big:json").click();
    const item = row("big:json");
    await item.locator("pre.value").waitFor();
    expect(await item.locator(".item-format").textContent()).toBe("JSON, first 256 KiB");
    const shown = (await item.locator("pre.value").textContent()) ?? "";
    expect(shown.startsWith('{\n  "rows": [\n    {\n      "id": 0,')).toBe(true);
  }, 30_000);

  test("Should give true hex dump figures for a large binary value, and download its exact bytes", async () => {
    await setKey("big:binary", BIG_BINARY);
    await openMonitor("/?prefix=big:");
    await toggle("big:binary").click();
    const item = row("big:binary");
    await item.locator("pre.value").waitFor();
    expect(await item.locator(".item-format").textContent()).toBe("binary, first 64.0 KiB");
    expect(await item.locator(".item-note").textContent()).toContain(
      "Showing the first 64.0 KiB of 1.0 MiB.",
    );
    const dump = (await item.locator("pre.value").textContent()) ?? "";
    expect(dump.split("\n")).toHaveLength(4097);
    expect(dump.endsWith("… 983,040 more bytes")).toBe(true);
    expect(await item.locator(".copy-button").textContent()).toBe(
      "Copy the first 256 KiB as base64",
    );

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      item.locator(".download-link").click(),
    ]);
    expect(download.suggestedFilename()).toBe("big_binary.bin");
    const saved = readFileSync(await download.path());
    expect(saved.length).toBe(BIG_BINARY.length);
    expect(Buffer.compare(saved, Buffer.from(BIG_BINARY))).toBe(0);

    await item.getByRole("button", { name: "Show the whole value" }).click();
    await item.locator(".item-format", { hasText: /^binary$/ }).waitFor();
    const whole = (await item.locator("pre.value").textContent()) ?? "";
    expect(whole.split("\n")).toHaveLength(65_536);
  }, 60_000);

  test("Should copy exactly what the copy button names", async () => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await openMonitor("/?prefix=session:");
    await toggle("session:9f2c4e").click();
    const item = row("session:9f2c4e");
    await item.locator(".copy-button").click();
    await item.locator(".action-status", { hasText: "Copied 39 B" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      "user=1001; expires=2024-05-05T09:21:37Z",
    );
    await item.locator(".key-head .copy-key").click();
    await page.locator("#announcer", { hasText: "Copied the key session:9f2c4e" }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("session:9f2c4e");
  });

  test("Should let a key's name be selected as text", async () => {
    await openMonitor("/?prefix=session:");
    const label = row("session:9f2c4e").locator(".key-label");
    const box = await label.boundingBox();
    if (box === null) throw new Error("the key label is not visible");
    await page.mouse.move(box.x + 1, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    expect(await page.evaluate(() => window.getSelection()?.toString())).toContain(
      "session:9f2c4e",
    );
    expect(await label.evaluate((element) => getComputedStyle(element).userSelect)).not.toBe(
      "none",
    );
    // Selecting does not toggle the value.
    expect(await toggle("session:9f2c4e").getAttribute("aria-expanded")).toBe("false");
  });

  test("Should open ?key= on load, keep it through a reload, and follow back and forward", async () => {
    await openMonitor("/?key=user:1001:profile");
    expect(await toggle("user:1001:profile").getAttribute("aria-expanded")).toBe("true");
    await row("user:1001:profile").locator("pre.value").waitFor();
    await page.reload();
    await page.waitForSelector('#live-status[data-state="live"]');
    expect(await toggle("user:1001:profile").getAttribute("aria-expanded")).toBe("true");
    expect(
      await toggle("user:1001:profile").evaluate((element) => element === document.activeElement),
    ).toBe(true);

    await row("user:1002:profile").locator(".key-label").click();
    await row("user:1002:profile").locator("pre.value").waitFor();
    expect(page.url()).toEndWith("key=user:1002:profile");
    await page.goBack();
    await page.waitForFunction(() => window.location.search === "?key=user:1001:profile");
    await page.waitForFunction(
      () =>
        document
          .querySelector('[data-key="user:1002:profile"] .key-toggle')
          ?.getAttribute("aria-expanded") === "false",
    );
    expect(await toggle("user:1001:profile").getAttribute("aria-expanded")).toBe("true");
    await page.goForward();
    await row("user:1002:profile").locator("pre.value").waitFor();
  });

  test("Should offer a retry when a value cannot be fetched", async () => {
    await openMonitor();
    await page.route("**/api/keys/counter*", (route) => route.abort());
    await toggle("counter:page-views").click();
    const retry = row("counter:page-views").getByRole("button", { name: "Retry" });
    await retry.waitFor();
    await page.unroute("**/api/keys/counter*");
    await retry.click();
    await row("counter:page-views").locator("pre.value", { hasText: "48213" }).waitFor();
    // The aborted request is the one expected failure in the console.
    const index = pageErrors.findIndex((message) => message.includes("ERR_FAILED"));
    if (index !== -1) pageErrors.splice(index, 1);
  });

  test("Should search with spaces around and the \\xNN escapes the page shows, and clear", async () => {
    // "raw:ÿ" (UTF-8 c3 bf) must not match the byte 0xff.
    await setKey("raw:\u00ff", "utf-8");
    memcached.send("set raw:");
    memcached.send(Uint8Array.of(0xff));
    memcached.send(" 0 0 1\r\nx\r\n");
    expect(await memcached.readUntil("\r\n")).toBe("STORED\r\n");
    await openMonitor();
    await page.locator('input[name="q"]').fill("  raw:\\xFF ");
    await page.locator('input[name="q"]').press("Enter");
    await page.waitForSelector('#live-status[data-state="live"]');
    expect(await page.locator(".key-label").allTextContents()).toEqual(["raw:\\xFF"]);
    expect(await page.locator('input[name="q"]').inputValue()).toBe("raw:\\xFF");
    await page.getByRole("link", { name: "Clear the search" }).click();
    await page.waitForSelector('#live-status[data-state="live"]');
    expect(await page.locator(".key-row").count()).toBe(100);
  });

  test("Should draw the last minutes as charts that keep updating", async () => {
    await openMonitor();
    expect(await page.locator("#history figure.chart svg").count()).toBe(4);
    const points = () => page.locator('[data-chart="items"]').getAttribute("data-points");
    const before = Number(await points());
    await page.waitForFunction(
      (count) =>
        Number(document.querySelector('[data-chart="items"]')?.getAttribute("data-points")) > count,
      before,
      { timeout: 20_000 },
    );
    expect(await page.locator('[data-chart="items"] polyline').count()).toBe(1);
  }, 30_000);

  test("Should refuse writes from the page while --monitor-writes is off", async () => {
    await openMonitor();
    expect(await page.locator(".set-form, .flush-form, .delete-button").count()).toBe(0);
    const status = await page.evaluate(async () => {
      const response = await fetch("/api/flush", { method: "POST", body: new URLSearchParams() });
      return response.status;
    });
    expect(status).toBe(403);
    const index = pageErrors.findIndex((message) => message.includes("403"));
    if (index !== -1) pageErrors.splice(index, 1);
  });

  test("Should have one h1, a skip link, visible focus, and no axe violations in either theme", async () => {
    await openMonitor();
    expect(await page.locator("h1").count()).toBe(1);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip-link");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("keys");
    const copyKey = page.locator(".copy-key").first();
    await copyKey.focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    const ring = await copyKey.evaluate((element) => {
      const style = getComputedStyle(element);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(ring).toBe("solid 2px");
    await openMonitor("/?key=user:1001:profile");
    await row("user:1001:profile").locator("pre.value").waitFor();
    for (const colorScheme of ["light", "dark"] as const) {
      // Without motion: Pico fades colours over 0.2 s, and axe must see the theme's final colours.
      await page.emulateMedia({ colorScheme, reducedMotion: "reduce" });
      await Bun.sleep(300);
      await page.evaluate(AXE_SOURCE);
      const violations = await page.evaluate(async () => {
        const axe = (
          window as unknown as {
            axe: {
              run(
                options: object,
              ): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
            };
          }
        ).axe;
        const result = await axe.run({
          runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa", "best-practice"] },
        });
        return result.violations.map(
          (violation) =>
            `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`,
        );
      });
      expect({ colorScheme, violations }).toEqual({ colorScheme, violations: [] });
    }
    await page.emulateMedia({ colorScheme: "light", reducedMotion: "no-preference" });
  }, 30_000);

  test("Should show the first keys on a phone and take its screenshot", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await openMonitor();
      const top = await page
        .locator(".key-row")
        .first()
        .evaluate((element) => element.getBoundingClientRect().top);
      expect(top).toBeLessThan(844 / 2);
      await page.mouse.move(0, 0);
      await page.screenshot({ path: PHONE_SCREENSHOT_PATH, animations: "disabled" });
      expect(existsSync(PHONE_SCREENSHOT_PATH)).toBe(true);

      // A hex dump keeps its ASCII column in view: 8 bytes a line, no sideways scrolling.
      await openMonitor("/?key=big:binary");
      const dump = row("big:binary").locator("pre.value");
      await dump.waitFor();
      expect(((await dump.textContent()) ?? "").split("\n")[0]).toBe(
        "00000000  07 26 45 64 83 a2 c1 e0  |.&Ed....|",
      );
      expect(await dump.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(
        true,
      );
    } finally {
      await page.setViewportSize({ width: 1200, height: 900 });
    }
  });

  test("Should load compressed, with the fingerprinted assets cached for a year", async () => {
    const responses = new Map<string, Record<string, string>>();
    const record = (response: PageResponse) => {
      responses.set(new URL(response.url()).pathname, response.headers());
    };
    page.on("response", record);
    try {
      await openMonitor();
    } finally {
      page.off("response", record);
    }
    expect(responses.get("/")?.["content-encoding"]).toBe("gzip");
    const assets = [...responses.keys()].filter((path) => path.startsWith("/assets/"));
    expect(assets.map((path) => path.replace(/\.[0-9a-z]+\./, ".*."))).toEqual(
      expect.arrayContaining(["/assets/monitor.*.css", "/assets/monitor.*.js"]),
    );
    for (const path of assets) {
      expect(responses.get(path)?.["content-encoding"]).toBe("br");
      expect(responses.get(path)?.["cache-control"]).toBe("public, max-age=31536000, immutable");
    }
  });

  test("Should run without script errors or CSP violations", () => {
    expect(pageErrors).toEqual([]);
  });

  test("Should never send a request anywhere but this server", () => {
    expect(requestedUrls.length).toBeGreaterThan(10);
    const foreign = requestedUrls.filter((url) => !url.startsWith(`${base}/`));
    expect(foreign).toEqual([]);
  });
});
