/**
 * Where a worker thread's entry file is loaded from.
 *
 * From source, it is the file beside the caller: a URL from the caller's
 * import.meta.url. In the compiled binary, build.ts makes each worker an
 * entrypoint of its own, stored under its path from the repository root
 * ("./src/web/monitor-worker.ts"), and only that path finds it: there
 * import.meta.url names the source file on the machine that built the
 * binary (bytecode builds keep source paths), so a URL from it would load
 * that file from disk if it happens to exist, and fail anywhere else.
 */

/** A compiled binary runs from Bun's embedded file system ("B:/~BUN/" on Windows). */
const COMPILED = Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");

export function workerEntry(pathFromRoot: string, besideCaller: URL): string {
  return COMPILED ? `./${pathFromRoot}` : besideCaller.href;
}
