/**
 * SIGTERM in the middle of heavy concurrent writes: the server exits 0
 * within a few seconds, and after a restart every write it acknowledged is
 * there (sets, deletes and incrs alike). Writes whose reply never came may
 * or may not have happened; they are left out of the check.
 */

import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { Random } from "../support/random.ts";
import { type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";

const CLIENTS = 50;
const PIPELINE = 10;
const LOAD_BEFORE_SIGNAL_MS = 1_500;
const EXIT_LIMIT_MS = 5_000;

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

interface Operation {
  key: string;
  request: string;
  /** The key's state once the reply is `reply`: a value, or null for absent. */
  reply: string;
  state: string | null;
}

/** What the writers learned: the acknowledged state of each key, and keys left in doubt. */
interface Ledger {
  acknowledged: Map<string, string | null>;
  uncertain: Set<string>;
  writesAcknowledged: number;
}

async function writer(port: number, index: number, random: Random, ledger: Ledger) {
  const client = await TestClient.connect(port);
  const live: string[] = [];
  let counter = 0;
  const counterKey = `n:${index}`;
  for (let round = 0; ; round++) {
    const batch: Operation[] = [];
    for (let slot = 0; slot < PIPELINE; slot++) {
      const roll = random.below(10);
      if (roll === 0 && live.length > 0) {
        const key = live.splice(random.below(live.length), 1)[0] as string;
        batch.push({ key, request: `delete ${key}\r\n`, reply: "DELETED", state: null });
      } else if (roll === 1) {
        if (counter === 0) {
          batch.push({
            key: counterKey,
            request: `set ${counterKey} 0 0 1\r\n0\r\n`,
            reply: "STORED",
            state: "0",
          });
        }
        counter += 1 + slot;
        batch.push({
          key: counterKey,
          request: `incr ${counterKey} ${1 + slot}\r\n`,
          reply: String(counter),
          state: String(counter),
        });
      } else {
        const key = `w:${index}:${round}:${slot}`;
        const value = `${key}:${"x".repeat(random.between(0, 2000))}`;
        live.push(key);
        batch.push({
          key,
          request: `set ${key} 0 0 ${value.length}\r\n${value}\r\n`,
          reply: "STORED",
          state: value,
        });
      }
    }
    let answered = 0;
    try {
      await client.send(batch.map((operation) => operation.request).join(""));
    } catch {
      // The server went away before taking the whole batch.
    }
    for (const operation of batch) {
      const reply = await replyOrGone(client);
      if (reply === undefined) break;
      expect(reply).toBe(operation.reply);
      ledger.acknowledged.set(operation.key, operation.state);
      ledger.writesAcknowledged++;
      answered++;
    }
    if (answered < batch.length) {
      // The server went away: what was sent but not answered is in doubt.
      for (const operation of batch.slice(answered)) ledger.uncertain.add(operation.key);
      return;
    }
  }
}

/** The next reply line, or undefined once the server has closed the connection. */
async function replyOrGone(client: TestClient): Promise<string | undefined> {
  try {
    return await client.line(3_000);
  } catch (error) {
    if (client.closed) return undefined;
    throw error;
  }
}

test("Should exit 0 within seconds of SIGTERM under write load and keep every acknowledged write", async () => {
  const server = await startServer();
  servers.push(server);
  const seed = Random.seedFromEnvironment();
  console.log(`sigterm: seed ${seed} (HARDENING_SEED=${seed} replays it)`);
  const ledger: Ledger = { acknowledged: new Map(), uncertain: new Set(), writesAcknowledged: 0 };
  const writers = Array.from({ length: CLIENTS }, (_, index) =>
    writer(server.port, index, new Random(seed + index), ledger),
  );
  await Bun.sleep(LOAD_BEFORE_SIGNAL_MS);
  const before = ledger.writesAcknowledged;
  const signalled = performance.now();
  server.process.kill("SIGTERM");
  const exitCode = await Promise.race([
    server.process.exited,
    Bun.sleep(EXIT_LIMIT_MS * 2).then(() => "still running" as const),
  ]);
  const exitMs = performance.now() - signalled;
  await Promise.all(writers);
  expect(exitCode).toBe(0);
  expect(exitMs).toBeLessThan(EXIT_LIMIT_MS);
  expect(server.stderr()).not.toMatch(/^\s+at /m);
  expect(before).toBeGreaterThan(1_000);

  const restarted = await startServer({ databasePath: server.databasePath });
  servers.push(restarted);
  const client = await TestClient.connect(restarted.port);
  const checked = [...ledger.acknowledged].filter(([key]) => !ledger.uncertain.has(key));
  let present = 0;
  for (let first = 0; first < checked.length; first += 200) {
    const chunk = checked.slice(first, first + 200);
    await client.send(`get ${chunk.map(([key]) => key).join(" ")}\r\n`);
    const values = await client.values();
    for (const [key, state] of chunk) {
      const found = values.get(key)?.value;
      expect(found === undefined ? null : new TextDecoder().decode(found)).toBe(state);
      if (found !== undefined) present++;
    }
  }
  client.close();
  expect(await restarted.stop()).toBe(0);
  const database = new Database(server.databasePath, { readonly: true });
  expect(database.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" });
  database.close();
  console.log(
    `sigterm: exit 0 after ${exitMs.toFixed(0)} ms; ${ledger.writesAcknowledged} writes acknowledged by ${CLIENTS} clients, ` +
      `${checked.length} keys checked after restart (${present} present, ${checked.length - present} deleted), ` +
      `${ledger.uncertain.size} left in doubt`,
  );
});
