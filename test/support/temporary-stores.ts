/**
 * Stores in a temporary folder, for the Store's own tests. Each database
 * gets a folder of its own (its log and lock file sit beside it). A test
 * file makes one TemporaryStores: closeAll() after each test closes the
 * stores still open, remove() after all of them deletes the folder.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Store, type StoreOptions } from "../../src/store/store.ts";
import { removeTemporaryDirectory, temporaryDirectory } from "./temporary-folders.ts";

export class TemporaryStores {
  private readonly folder: string;
  private readonly stores: Store[] = [];
  private counter = 0;

  constructor(prefix: string) {
    this.folder = temporaryDirectory(prefix);
  }

  /** The path of a database that does not exist yet, in a folder of its own. */
  freshPath(): string {
    const caseFolder = join(this.folder, `case-${++this.counter}`);
    mkdirSync(caseFolder);
    return join(caseFolder, "database.sqlite");
  }

  /** Opens (or creates) the database at `path`, with --sync normal unless told otherwise. */
  open(path: string, options: Partial<StoreOptions> = {}): Store {
    const store = new Store(path, { sync: "normal", ...options });
    this.stores.push(store);
    return store;
  }

  /** Closes a store before the test ends (a restart, say). */
  close(store: Store): void {
    store.close();
    this.stores.splice(this.stores.indexOf(store), 1);
  }

  closeAll(): void {
    for (const store of this.stores.splice(0)) store.close();
  }

  remove(): void {
    this.closeAll();
    removeTemporaryDirectory(this.folder);
  }
}

/** Resolves once everything written so far is durable, with the commit's error if it failed. */
export function durable(store: Store): Promise<Error | undefined> {
  return new Promise((resolve) => store.whenDurable(resolve));
}
