/**
 * GET /metrics of a real server after some traffic, checked by Prometheus's
 * own linter (`promtool check metrics`, Debian's prometheus package) and
 * for the naming rules it does not enforce: HELP and TYPE for every metric,
 * `_total` on counters only, base units.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

/** Real processes on a busy machine: more than bun's 5 s default, hooks included. */
setDefaultTimeout(60_000);

const PROMTOOL_PATH = "/usr/bin/promtool";

let server: RunningServer;
let metrics: string;

beforeAll(async () => {
  server = await startServer();
  const client = await TestClient.connect(server.port);
  try {
    client.send("set a 0 0 1\r\nx\r\nget a b\r\ndelete b\r\n");
    await client.readUntil("NOT_FOUND\r\n");
  } finally {
    client.close();
  }
  const response = await fetch(`http://127.0.0.1:${server.httpPort}/metrics`);
  metrics = await response.text();
});

afterAll(async () => {
  await server?.stop();
  if (server) rmSync(dirname(server.databasePath), { recursive: true, force: true });
});

/** Metric name → type, from the TYPE lines. */
function types(): Map<string, string> {
  return new Map(
    [...metrics.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(
      (match) => [match[1], match[2]] as [string, string],
    ),
  );
}

describe("GET /metrics", () => {
  test("Should pass promtool check metrics", () => {
    const result = Bun.spawnSync([PROMTOOL_PATH, "check", "metrics"], {
      stdin: new TextEncoder().encode(metrics),
    });
    expect(`${result.stdout}${result.stderr}`).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("Should give every sample a HELP and a TYPE line", () => {
    const samples = [...metrics.matchAll(/^(litecached_\w+) \S+$/gm)].map((match) => match[1]);
    const helped = new Set([...metrics.matchAll(/^# HELP (\S+) \S/gm)].map((match) => match[1]));
    expect(samples.length).toBeGreaterThan(20);
    for (const name of samples) {
      expect(helped.has(name)).toBe(true);
      expect(types().has(name as string)).toBe(true);
    }
  });

  test("Should end counters, and only counters, in _total, with units in base units", () => {
    for (const [name, type] of types()) {
      expect({ name, total: name.endsWith("_total") }).toEqual({ name, total: type === "counter" });
      expect(name).not.toMatch(/_(ms|milliseconds|kb|mb|kilobytes|megabytes)(_|$)/);
    }
    expect(types().get("litecached_uptime_seconds")).toBe("gauge");
    expect(types().get("litecached_read_bytes_total")).toBe("counter");
  });

  test("Should count the traffic it saw", () => {
    expect(metrics).toContain("\nlitecached_items 1\n");
    expect(metrics).toContain("\nlitecached_cmd_get_total 2\n");
    expect(metrics).toContain("\nlitecached_get_hits_total 1\n");
    expect(metrics).toContain("\nlitecached_delete_misses_total 1\n");
  });
});
