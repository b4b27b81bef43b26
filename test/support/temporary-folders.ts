/**
 * Temporary folders for tests, removed again whether the tests pass or
 * fail: test/setup/remove-temporary-folders.ts removes every folder still
 * listed once the test files have run (bun test fires no process exit
 * event, and a failed test never reaches its own cleanup).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Every folder handed out by temporaryDirectory that may still exist. */
const folders = new Set<string>();

/** A fresh temporary folder for a test's files. */
export function temporaryDirectory(prefix = "litecached-test-"): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.add(folder);
  return folder;
}

/** A file named `name` holding `contents`, in a fresh temporary folder (an auth file, a certificate). */
export function temporaryFile(name: string, contents: string): string {
  const path = join(temporaryDirectory(), name);
  writeFileSync(path, contents);
  return path;
}

export function removeTemporaryDirectory(folder: string): void {
  folders.delete(folder);
  try {
    rmSync(folder, { recursive: true, force: true });
  } catch (error) {
    // A folder still in use (a mount a failed test left) must not hide the test's own error.
    console.error(`could not remove ${folder}: ${error}`);
  }
}

export function removeAllTemporaryDirectories(): void {
  for (const folder of folders) removeTemporaryDirectory(folder);
}
