/**
 * The monitor in a real browser: Debian's chromium driven by playwright-core
 * against the real server (bun main.ts), with keys written over the
 * memcached port. Also takes the README's screenshot: into a temporary
 * folder normally, into docs/monitor.png with UPDATE_SCREENSHOT=1
 * (`npm run screenshot`), so test runs do not rewrite a committed file.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { RawClient } from "../support/raw-client.ts";
import { REPOSITORY_ROOT, type RunningServer, startServer } from "../support/server.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const UPDATE_SCREENSHOT = process.env.UPDATE_SCREENSHOT === "1";
const screenshotFolder = UPDATE_SCREENSHOT
  ? join(REPOSITORY_ROOT, "docs")
  : mkdtempSync(join(tmpdir(), "litecached-screenshot-"));
const SCREENSHOT_PATH = join(screenshotFolder, "monitor.png");

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

let server: RunningServer;
let memcached: RawClient;
let context: BrowserContext;
const profileFolder = mkdtempSync(join(tmpdir(), "litecached-chromium-"));
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
  memcached = await RawClient.connect(server.port);
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

  context = await chromium.launchPersistentContext(profileFolder, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1200, height: 900 },
  });
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
  await context?.close();
  memcached?.close();
  await server?.stop();
  rmSync(profileFolder, { recursive: true, force: true });
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

  test("Should run without script errors or CSP violations", () => {
    expect(pageErrors).toEqual([]);
  });

  test("Should never send a request anywhere but this server", () => {
    expect(requestedUrls.length).toBeGreaterThan(10);
    const foreign = requestedUrls.filter((url) => !url.startsWith(`${base}/`));
    expect(foreign).toEqual([]);
  });
});
