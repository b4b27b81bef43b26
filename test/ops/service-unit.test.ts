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

/** Real processes on a busy machine: more than bun's 5 s default, hooks included. */
setDefaultTimeout(60_000);

const SYSTEMD_ANALYZE_PATH = "/usr/bin/systemd-analyze";
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
});
