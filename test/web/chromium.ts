/**
 * Debian's Chromium for the browser tests, driven by playwright-core: the
 * flags it needs headless in a container, and a launcher that gives each
 * test file its own throwaway profile folder.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface LaunchedChromium {
  context: BrowserContext;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

export async function launchChromium(
  viewport = { width: 1200, height: 900 },
): Promise<LaunchedChromium> {
  const profileFolder = mkdtempSync(join(tmpdir(), "litecached-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profileFolder, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport,
      acceptDownloads: true,
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profileFolder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profileFolder, { recursive: true, force: true });
    throw error;
  }
}
