/**
 * Command cores on stores in a temporary folder, for tests that drive the
 * core (or a session or a connection on it) in process. A test file makes
 * one TemporaryCores: closeAll() after each test closes the cores it
 * opened, remove() after all of them deletes the folder.
 */
import { join } from "node:path";
import { CommandCore } from "../../src/protocol/command-core.ts";
import type { Settings } from "../../src/protocol/stats-entries.ts";
import { Stats } from "../../src/stats.ts";
import { Store } from "../../src/store/store.ts";
import { removeTemporaryDirectory, temporaryDirectory } from "./temporary-folders.ts";

/** A core's settings in tests: a small item limit, no idle timeout, no memory tier. */
export const TEST_SETTINGS = {
  host: "127.0.0.1",
  port: 0,
  maxConnections: 10,
  maxItemSize: 1024,
  idleTimeout: 0,
  sync: "normal",
  memory: 0,
} as const satisfies Settings;

export class TemporaryCores {
  private readonly folder: string;
  private readonly cores: CommandCore[] = [];
  private counter = 0;

  constructor(prefix: string) {
    this.folder = temporaryDirectory(prefix);
  }

  /** A core on a fresh store, with TEST_SETTINGS changed by `settings`. */
  open(settings: Partial<Settings> = {}): CommandCore {
    const store = new Store(join(this.folder, `core-${++this.counter}.sqlite`), { sync: "normal" });
    const core = new CommandCore(store, new Stats(), { ...TEST_SETTINGS, ...settings });
    this.cores.push(core);
    return core;
  }

  /** Cancels the timers of every core opened so far and closes its store. */
  closeAll(): void {
    for (const core of this.cores.splice(0)) {
      core.dispose();
      core.store.close();
    }
  }

  remove(): void {
    this.closeAll();
    removeTemporaryDirectory(this.folder);
  }
}
