/**
 * deploy/litecached.service: checked by systemd's own `systemd-analyze
 * verify` and `security` (offline; no systemd needs to run), and its
 * ExecStart command line started for real with `bun main.ts` in place of
 * the binary and free ports in place of the default ones.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../support/ports.ts";
import { REPOSITORY_ROOT, temporaryDirectory } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

/** Real processes on a busy machine: more than bun's 5 s default, hooks included. */
setDefaultTimeout(60_000);

const SYSTEMD_ANALYZE_PATH = "/usr/bin/systemd-analyze";
const STRACE_PATH = "/usr/bin/strace";
const SYSTEM_CALL_LINE = /^\d+ +([a-z0-9_]+)\(/gm;
const UNIT_PATH = join(REPOSITORY_ROOT, "deploy", "litecached.service");
const BINARY_PATH = "/usr/local/bin/litecached";
/** systemd-analyze security rates exposure from 0 (locked down) to 10; up to 2.0 is "OK". */
const MAX_EXPOSURE = 2.0;
const STARTUP_TIMEOUT_MS = 15_000;

const unit = readFileSync(UNIT_PATH, "utf8");

/** The unit with ExecStart's binary replaced by one that exists here (verify checks it). */
function unitCopy(): { directory: string; path: string } {
  const directory = temporaryDirectory("litecached-unit-");
  const path = join(directory, "litecached.service");
  writeFileSync(path, unit.replace(BINARY_PATH, process.execPath));
  return { directory, path };
}

function directives(name: string): string[] {
  return [...unit.matchAll(new RegExp(`^${name}=(.*)$`, "gm"))].map((match) => match[1] as string);
}

describe("the systemd unit", () => {
  test("Should pass systemd-analyze verify", () => {
    const { directory, path } = unitCopy();
    try {
      const result = Bun.spawnSync([SYSTEMD_ANALYZE_PATH, "verify", path]);
      expect(result.stderr.toString()).toBe("");
      expect(result.exitCode).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("Should rate as OK in systemd-analyze security", () => {
    const { directory, path } = unitCopy();
    try {
      const result = Bun.spawnSync([SYSTEMD_ANALYZE_PATH, "security", "--offline=yes", path]);
      const match = /Overall exposure level for litecached\.service: ([\d.]+)/.exec(
        result.stdout.toString(),
      );
      console.log(`systemd-analyze security: exposure ${match?.[1]}`);
      expect(Number(match?.[1])).toBeLessThanOrEqual(MAX_EXPOSURE);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("Should run as a dynamic user with a state directory and the usual hardening", () => {
    expect(directives("DynamicUser")).toEqual(["yes"]);
    expect(directives("StateDirectory")).toEqual(["litecached"]);
    expect(directives("ProtectSystem")).toEqual(["strict"]);
    expect(directives("NoNewPrivileges")).toEqual(["yes"]);
    expect(directives("Restart")).toEqual(["on-failure"]);
    expect(directives("KillSignal")).toEqual(["SIGTERM"]);
  });

  test("Should start litecached with its ExecStart options and stop it cleanly with SIGTERM", async () => {
    const directory = temporaryDirectory("litecached-unit-state-");
    try {
      mkdirSync(join(directory, "litecached"));
      const [execStart] = directives("ExecStart");
      const args = (execStart ?? "").split(" ");
      expect(args[0]).toBe(BINARY_PATH);
      // Free ports instead of 11211 and 8000; %S is the state directory's parent.
      const ports: Record<string, string> = {
        "11211": String(freePort()),
        "8000": String(freePort()),
      };
      const command = args.slice(1).map((arg) => ports[arg] ?? arg.replace("%S", directory));
      const child = Bun.spawn([process.execPath, join(REPOSITORY_ROOT, "main.ts"), ...command], {
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      // Read stdout until the startup line, the process's exit, or the deadline.
      const startup = (async () => {
        let output = "";
        for await (const chunk of child.stdout) {
          output += new TextDecoder().decode(chunk);
          if (output.includes("monitor on")) break;
        }
        return output;
      })();
      const output = await Promise.race([
        startup,
        Bun.sleep(STARTUP_TIMEOUT_MS).then(() => "(no startup line in time)"),
      ]);
      child.kill("SIGTERM");
      expect(await child.exited).toBe(0);
      expect(output).toContain(`${directory}/litecached/database.sqlite: memcached on 127.0.0.1:`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("Should use only system calls that its SystemCallFilter allows", async () => {
    const [filter] = directives("SystemCallFilter");
    expect(filter).toBe("@system-service");
    const allowed = expandSystemCallSet(filter as string);
    const directory = temporaryDirectory("litecached-unit-strace-");
    const tracePath = join(directory, "trace");
    try {
      const httpPort = freePort();
      const port = freePort();
      const strace = Bun.spawn(
        [
          STRACE_PATH,
          "-f",
          "-qq",
          "-o",
          tracePath,
          process.execPath,
          join(REPOSITORY_ROOT, "main.ts"),
          join(directory, "database.sqlite"),
          "--port",
          String(port),
          "--http-port",
          String(httpPort),
        ],
        { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
      );
      try {
        await waitForStartLine(strace.stdout);
        // Traffic on both ports: a set and a get, the page (its script is built
        // by a child process), the API and /metrics.
        const client = await TestClient.connect(port);
        client.send("set a 0 0 1\r\nx\r\nget a\r\n");
        await client.readUntil("END\r\n", STARTUP_TIMEOUT_MS);
        client.close();
        for (const path of ["/", "/assets/monitor.js", "/api/keys", "/metrics"]) {
          await (await fetch(`http://127.0.0.1:${httpPort}${path}`)).arrayBuffer();
        }
        // SIGTERM to litecached itself (strace's child), as systemctl stop does.
        for (const pid of childrenOf(strace.pid)) process.kill(pid, "SIGTERM");
        expect(await strace.exited).toBe(0);
      } finally {
        // On failure: killing strace alone would leave the traced server running.
        for (const pid of childrenOf(strace.pid)) killQuietly(pid);
        strace.kill("SIGKILL");
        await strace.exited;
      }
      const used = new Set(
        [...readFileSync(tracePath, "utf8").matchAll(SYSTEM_CALL_LINE)].map((m) => m[1] as string),
      );
      console.log(`system calls used: ${used.size}, all in ${filter} (${allowed.size})`);
      expect(used.size).toBeGreaterThan(20);
      expect([...used].filter((name) => !allowed.has(name))).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

/** The system calls of a systemd set such as @system-service, nested sets expanded. */
function expandSystemCallSet(name: string): Set<string> {
  const result = Bun.spawnSync([SYSTEMD_ANALYZE_PATH, "syscall-filter", name]);
  const names = new Set<string>();
  for (const line of result.stdout.toString().split("\n").slice(1)) {
    const entry = line.trim();
    if (entry === "" || entry.startsWith("#")) continue;
    if (entry.startsWith("@")) for (const call of expandSystemCallSet(entry)) names.add(call);
    else names.add(entry);
  }
  return names;
}

/** Reads a server's stdout until its start line. */
async function waitForStartLine(stdout: ReadableStream<Uint8Array>): Promise<void> {
  const decoder = new TextDecoder();
  let output = "";
  const started = (async () => {
    for await (const chunk of stdout) {
      output += decoder.decode(chunk, { stream: true });
      if (output.includes("monitor on")) return true;
    }
    return false;
  })();
  const timeout = Bun.sleep(STARTUP_TIMEOUT_MS).then(() => false);
  if (!(await Promise.race([started, timeout]))) throw new Error(`no start line: ${output}`);
}

/** The processes a process started (none once it has exited). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(" ")
      .filter((child) => child !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/** SIGKILL, unless the process is already gone. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // It exited in the meantime.
  }
}
