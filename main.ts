/**
 * litecached: parse the command line, open the store, start the memcached
 * server and the monitor (an HTTP server in a worker thread of its own,
 * src/web/monitor-thread.ts), and stop cleanly on SIGINT/SIGTERM.
 */
import { Access } from "./src/auth/access.ts";
import { AuthFileError, loadAuthFile } from "./src/auth/auth-file.ts";
import { exposureWarning } from "./src/auth/exposure.ts";
import { authenticatingSessions } from "./src/auth/sessions.ts";
import { loadTlsFiles, TlsFileError, type TlsFiles } from "./src/auth/tls.ts";
import { type Config, ConfigError, parseCommandLine, USAGE, VERSION } from "./src/config.ts";
import { log } from "./src/log.ts";
import { runImportCommand } from "./src/ops/import-command.ts";
import { CommandCore } from "./src/protocol/command-core.ts";
import { Stats } from "./src/stats.ts";
import { DatabaseOpenError, Store } from "./src/store/store.ts";
import { protocolSessions } from "./src/tcp/connection.ts";
import { MemcachedServer } from "./src/tcp/server.ts";
import { MonitorThread } from "./src/web/monitor-thread.ts";
import { StoreSource } from "./src/web/store-source.ts";

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

async function main(): Promise<void> {
  if (process.argv[2] === "import") {
    void runImportCommand(process.argv.slice(3)).then((code) => process.exit(code));
    return;
  }
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
  log.configure({ format: config.logFormat, quiet: config.quiet });

  // Access control is read before anything listens: a bad file stops here.
  const stats = new Stats();
  let access: Access | undefined;
  let tls: TlsFiles | undefined;
  try {
    if (config.authFile !== undefined) access = new Access(loadAuthFile(config.authFile), stats);
    if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
      tls = loadTlsFiles(config.tlsCert, config.tlsKey);
    }
  } catch (error) {
    if (error instanceof AuthFileError || error instanceof TlsFileError) fail(error.message, 1);
    throw error;
  }
  const warning = exposureWarning(config.host, config.authFile);
  if (warning !== undefined) log.warn("exposed", warning, { host: config.host });

  let store: Store;
  try {
    store = new Store(config.databasePath, { sync: config.sync, memoryBytes: config.memory });
  } catch (error) {
    if (error instanceof DatabaseOpenError) fail(error.message, 1);
    throw error;
  }

  store.onCommitted = (durationMs) => {
    if (durationMs < config.slowCommitMs) return;
    const rounded = Math.round(durationMs * 10) / 10;
    log.warn(
      "slow_commit",
      `slow commit: ${rounded} ms (--slow-commit-ms ${config.slowCommitMs})`,
      {
        durationMs: rounded,
        thresholdMs: config.slowCommitMs,
      },
    );
  };
  const core = new CommandCore(store, stats, config);
  const sessions = access === undefined ? protocolSessions : authenticatingSessions(access);
  const memcached = new MemcachedServer(core, { ...config, sessions, tls });
  // The monitor answers from its own thread; this thread answers its calls
  // (counters, writes, logins) through the StoreSource.
  const monitorSource = new StoreSource(store, stats, access);
  let monitor: MonitorThread | undefined;

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info("stop", `${signal} received, stopping`, { signal });
    memcached.shutdown();
    core.dispose();
    // Ends event streams properly, so browsers see the stream close and reconnect.
    await monitor?.stop();
    monitorSource.close();
    store.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  // The monitor starts first, so that once the memcached port answers the
  // server has fully started (clients and scripts take that as ready).
  try {
    monitor = await MonitorThread.start(monitorSource, {
      databasePath: store.path,
      host: config.host,
      port: config.httpPort,
      tls,
      writes: config.monitorWrites,
      maxItemSize: config.maxItemSize,
      log: { format: config.logFormat, quiet: config.quiet },
    });
  } catch (error) {
    store.close();
    fail(listenError(error, "HTTP", config.httpPort), 1);
  }
  try {
    memcached.listen();
  } catch (error) {
    await monitor.stop();
    store.close();
    fail(listenError(error, "memcached", config.port), 1);
  }

  // Announced once both ports listen and the signal handlers are in place:
  // whoever waits for this line may stop the server at once, and must get a
  // clean stop.
  logStart(config, tls !== undefined);
}

/** The startup line: where it listens, and every setting an operator may want to check. */
function logStart(config: Config, https: boolean): void {
  const { databasePath, host, port, httpPort, maxConnections, maxItemSize, sync } = config;
  const { idleTimeout, slowCommitMs, memory } = config;
  log.info(
    "start",
    `started ${VERSION} on ${databasePath}: memcached on ${host}:${port}, monitor on ${https ? "https" : "http"}://${host}:${httpPort}/ (max-conns ${maxConnections}, max-item-size ${maxItemSize}, sync ${sync}, memory ${memory}, idle-timeout ${idleTimeout}, slow-commit-ms ${slowCommitMs})`,
    {
      version: VERSION,
      database: databasePath,
      host,
      port,
      httpPort,
      maxConnections,
      maxItemSize,
      sync,
      memory,
      idleTimeout,
      slowCommitMs,
    },
  );
}

void main();
