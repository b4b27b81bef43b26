/**
 * Preloaded by `bun test` (see bunfig.toml): makes sure the Debian packages
 * the tests compare against or drive are installed, installing them with
 * apt-get when running as root, so `npm test` works on a fresh machine.
 * Tests that need a missing tool fail; they are never skipped.
 */
import { existsSync } from "node:fs";

/** The executable each package provides, by package name. */
const REQUIRED_PACKAGES: Record<string, string> = {
  memcached: "/usr/bin/memcached",
  "libmemcached-tools": "/usr/bin/memcaslap",
  chromium: "/usr/bin/chromium",
  // A Recommends of chromium that --no-install-recommends leaves out: without
  // any font the page's text would not render in the browser tests.
  "fonts-liberation": "/usr/share/fonts/truetype/liberation",
  // Dalli, Ruby's memcached client (binary protocol), as Debian 12 ships it; the
  // package does not pull Ruby in.
  ruby: "/usr/bin/ruby",
  "ruby-dalli": "/usr/share/rubygems-integration/all/gems/dalli-3.0.6/lib/dalli.rb",
  // The operations tests (test/ops): twemproxy, the sqlite3 shell for live
  // backups, promtool for /metrics, systemd-analyze for the service unit.
  nutcracker: "/usr/sbin/nutcracker",
  sqlite3: "/usr/bin/sqlite3",
  prometheus: "/usr/bin/promtool",
  systemd: "/usr/bin/systemd-analyze",
  // The npm memcached client runs `ping` before reconnecting to a failed server.
  "iputils-ping": "/usr/bin/ping",
  // Lists the system calls the server makes, against the unit's SystemCallFilter.
  strace: "/usr/bin/strace",
  // Self-signed certificates for the TLS tests, and s_client as a TLS text client.
  openssl: "/usr/bin/openssl",
  // pymemcache, Python's memcached client, for the TLS tests (Debian's python3).
  "python3-pymemcache": "/usr/lib/python3/dist-packages/pymemcache",
};

const missing = Object.entries(REQUIRED_PACKAGES)
  .filter(([, executable]) => !existsSync(executable))
  .map(([name]) => name);

if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    throw new Error(
      `the tests need these Debian packages: ${missing.join(" ")}; install them with: sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
  console.error(`Installing test tools with apt-get: ${missing.join(" ")}`);
  const run = (command: string[]) => {
    const result = Bun.spawnSync(command, {
      stdout: "inherit",
      stderr: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    if (result.exitCode !== 0)
      throw new Error(`${command.join(" ")} failed (exit ${result.exitCode})`);
  };
  run(["apt-get", "update", "-q"]);
  run(["apt-get", "install", "-y", "-q", "--no-install-recommends", ...missing]);
}
