/**
 * litecached: parse the command line, open the store, start the memcached
 * and HTTP servers, and stop cleanly on SIGINT/SIGTERM.
 */
import { ConfigError, parseCommandLine, USAGE, VERSION } from "./src/config.ts";
import { TextCommands } from "./src/protocol/text/commands.ts";
import { Stats } from "./src/stats.ts";
import { DatabaseOpenError, Store } from "./src/store/store.ts";
import { MemcachedServer } from "./src/tcp/server.ts";
import { createWebApp } from "./src/web/app.tsx";

function fail(message: string, exitCode: number): never {
  console.error(`litecached: ${message}`);
  process.exit(exitCode);
}

function listenError(error: unknown, what: string, port: number): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === "EADDRINUSE") return `${what} port ${port} is already in use`;
  if (code === "EACCES") return `no permission to listen on ${what} port ${port}`;
  return `cannot listen on ${what} port ${port}: ${error instanceof Error ? error.message : error}`;
}

function main(): void {
  let commandLine: ReturnType<typeof parseCommandLine>;
  try {
    commandLine = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`litecached: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (commandLine.kind === "help") {
    console.log(USAGE);
    return;
  }
  if (commandLine.kind === "version") {
    console.log(`litecached ${VERSION}`);
    return;
  }
  const { config } = commandLine;

  let store: Store;
  try {
    store = new Store(config.databasePath, { sync: config.sync, memoryBytes: config.memory });
  } catch (error) {
    if (error instanceof DatabaseOpenError) fail(error.message, 1);
    throw error;
  }

  const stats = new Stats();
  const commands = new TextCommands(store, stats, config);
  const memcached = new MemcachedServer(store, commands, stats, config);
  try {
    memcached.listen();
  } catch (error) {
    store.close();
    fail(listenError(error, "memcached", config.port), 1);
  }

  const web = createWebApp({ store, stats, host: config.host, port: config.httpPort });
  let http: ReturnType<typeof Bun.serve>;
  try {
    http = Bun.serve({ hostname: config.host, port: config.httpPort, fetch: web.fetch });
  } catch (error) {
    memcached.shutdown();
    store.close();
    fail(listenError(error, "HTTP", config.httpPort), 1);
  }

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`litecached: ${signal} received, stopping`);
    memcached.shutdown();
    commands.dispose();
    // End event streams properly, so browsers see the stream close and reconnect.
    web.closeEventStreams();
    http.stop(true);
    store.close();
    process.exit(0);
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));

  // Announced only once the signal handlers are in place: whoever waits for
  // this line may stop the server at once, and must get a clean stop.
  console.log(
    `litecached ${VERSION}: ${config.databasePath}, memcached on ${config.host}:${config.port}, monitor on http://${config.host}:${config.httpPort}/`,
  );
}

main();
