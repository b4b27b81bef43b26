/**
 * Connection limits under load: --max-conns turns away exactly the
 * connections over the limit while the others keep being served, and a
 * thousand concurrent clients under mixed load get only correct replies.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { concatBytes, latin1Bytes, latin1Text } from "../support/bytes.ts";
import { Random } from "../support/random.ts";
import { REPOSITORY_ROOT, type RunningServer, startServer } from "../support/server.ts";
import { TestClient } from "../support/test-client.ts";
import { openFileLimit } from "./support/system.ts";

const TOO_MANY = "ERROR Too many open connections";

const servers: RunningServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.kill();
});

/** Starts the server with enough open files for `connections` sockets. */
async function startWithFiles(connections: number, extraArgs: string[]): Promise<RunningServer> {
  const needed = connections + 256;
  const command =
    openFileLimit() >= needed
      ? undefined
      : // Raise the child's soft limit: each connection is a file descriptor.
        [
          "sh",
          "-c",
          `ulimit -n ${needed} && exec "$0" "$@"`,
          process.execPath,
          join(REPOSITORY_ROOT, "main.ts"),
        ];
  const server = await startServer({ extraArgs, command });
  servers.push(server);
  return server;
}

async function connectMany(port: number, count: number): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  // In batches: the listen backlog is finite and a dropped SYN costs a second.
  for (let first = 0; first < count; first += 100) {
    const batch = Math.min(100, count - first);
    clients.push(
      ...(await Promise.all(Array.from({ length: batch }, () => TestClient.connect(port)))),
    );
  }
  return clients;
}

describe("--max-conns under load", () => {
  const LIMIT = 40;
  const EXTRA = 15;

  test("Should turn away every connection over the limit while the others keep being served", async () => {
    const server = await startWithFiles(LIMIT, ["--max-conns", String(LIMIT)]);
    const clients = await connectMany(server.port, LIMIT);
    // Every one of them is accepted and answered.
    for (const client of clients) expect(await client.call("version\r\n")).toStartWith("VERSION ");

    let stop = false;
    let operations = 0;
    const load = clients.map(async (client, index) => {
      for (let round = 0; !stop; round++) {
        const value = `value-${index}-${round}-${"x".repeat(round % 300)}`;
        expect(await client.set(`conn${index}`, value)).toBe("STORED");
        const read = await client.get(`conn${index}`);
        expect(read === undefined ? undefined : latin1Text(read)).toBe(value);
        operations += 2;
      }
    });

    // While the load runs, the connections over the limit are refused one by one.
    const refusals: string[] = [];
    for (let attempt = 0; attempt < EXTRA; attempt++) {
      const extra = await TestClient.connect(server.port);
      refusals.push(await extra.line());
      expect(await extra.waitForClose(5_000)).toBe(true);
    }
    await Bun.sleep(300);
    stop = true;
    await Promise.all(load);
    expect(refusals).toEqual(Array.from({ length: EXTRA }, () => TOO_MANY));
    expect(operations).toBeGreaterThan(LIMIT * 10);
    for (const client of clients) expect(client.closed).toBe(false);

    // A freed slot is usable again, and refusals leaked no slot.
    clients.pop()?.close();
    let replacement: TestClient | undefined;
    for (let attempt = 0; attempt < 50 && replacement === undefined; attempt++) {
      const candidate = await TestClient.connect(server.port);
      const first = await candidate.call("version\r\n");
      if (first.startsWith("VERSION ")) replacement = candidate;
      else {
        expect(first).toBe(TOO_MANY);
        await Bun.sleep(50);
      }
    }
    expect(replacement).toBeDefined();
    const stats = await (replacement as TestClient).stats();
    expect(stats.get("curr_connections")).toBe(String(LIMIT));
    expect(Number(stats.get("rejected_connections"))).toBeGreaterThanOrEqual(EXTRA);
    for (const client of clients) client.close();
    await Bun.sleep(200);
    expect((await (replacement as TestClient).stats()).get("curr_connections")).toBe("1");
    console.log(
      `max-conns ${LIMIT}: ${EXTRA} refused under load, ${operations} operations served meanwhile`,
    );
  });
});

/** A value whose bytes can be checked without knowing who wrote it. */
function selfCheckingValue(writer: number, sequence: number, length: number): Uint8Array {
  const header = `${writer}:${sequence}:${length}:`;
  const bytes = new Uint8Array(Math.max(length, header.length));
  bytes.set(latin1Bytes(header));
  for (let index = header.length; index < bytes.length; index++) {
    bytes[index] = (writer * 31 + sequence * 7 + index) & 0xff;
  }
  return bytes;
}

function isSelfChecking(bytes: Uint8Array): boolean {
  const head = latin1Text(bytes.subarray(0, 40));
  const match = /^(\d+):(\d+):(\d+):/.exec(head);
  if (match === null) return false;
  const expected = selfCheckingValue(Number(match[1]), Number(match[2]), Number(match[3]));
  return Bun.deepEquals(bytes, expected);
}

describe("a thousand concurrent clients", () => {
  const CLIENTS = 1000;
  const LOAD_MS = 3_000;
  /** memcaslap's whole run, gets and sets: enough for well over 10,000 gets. */
  const MEMCASLAP_OPERATIONS = 100_000;
  /** Room for a slow, busy machine: each run takes a few seconds on an idle one. */
  const MEMCASLAP_TIMEOUT_MS = 180_000;
  const LOAD_TEST_TIMEOUT_MS = 120_000;

  test(
    "Should answer 1000 concurrent clients under mixed load with no error and no wrong value",
    async () => {
      const server = await startWithFiles(CLIENTS + 1, ["--max-conns", String(CLIENTS + 24)]);
      const seed = Random.seedFromEnvironment();
      console.log(`1000 clients: seed ${seed} (HARDENING_SEED=${seed} replays it)`);
      const clients = await connectMany(server.port, CLIENTS);
      const observer = await TestClient.connect(server.port);
      expect((await observer.stats()).get("curr_connections")).toBe(String(CLIENTS + 1));

      const deadline = Date.now() + LOAD_MS;
      const counts = { operations: 0, valuesChecked: 0 };
      const SHARED_KEYS = 64;
      const run = async (client: TestClient, index: number): Promise<void> => {
        const random = new Random(seed + index);
        // What this client's own keys hold, as it alone writes them.
        const model = new Map<string, Uint8Array>();
        let counter = 0n;
        let counterCreated = false;
        const own = (slot: number) => `c${index}:k${slot}`;
        const counterKey = `c${index}:n`;
        let sequence = 0;
        const expectOwn = async (key: string) => {
          const value = await client.get(key);
          expect(value).toEqual(model.get(key));
          counts.valuesChecked++;
        };
        while (Date.now() < deadline) {
          const key = own(random.below(4));
          const operation = random.below(10);
          if (operation === 0 || operation === 1) {
            const value = random.bytes(random.between(0, 3000));
            expect(await client.set(key, value)).toBe("STORED");
            model.set(key, value);
          } else if (operation === 2) {
            await expectOwn(key);
          } else if (operation === 3) {
            const data = random.bytes(random.between(1, 200));
            const head = `append ${key} 0 0 ${data.length}\r\n`;
            await client.send(concatBytes(head, data, "\r\n"));
            const old = model.get(key);
            expect(await client.line()).toBe(old === undefined ? "NOT_STORED" : "STORED");
            if (old !== undefined) model.set(key, concatBytes(old, data));
          } else if (operation === 4) {
            if (!counterCreated) {
              expect(await client.set(counterKey, "0")).toBe("STORED");
              counterCreated = true;
            }
            const delta = BigInt(random.between(1, 1000));
            counter += delta;
            expect(await client.call(`incr ${counterKey} ${delta}\r\n`)).toBe(String(counter));
          } else if (operation === 5) {
            expect(await client.call(`delete ${key}\r\n`)).toBe(
              model.has(key) ? "DELETED" : "NOT_FOUND",
            );
            model.delete(key);
          } else if (operation === 6) {
            await client.send(`gets ${own(0)} ${own(1)} ${own(2)} ${own(3)}\r\n`);
            const values = await client.values();
            for (let slot = 0; slot < 4; slot++) {
              expect(values.get(own(slot))?.value).toEqual(model.get(own(slot)));
              counts.valuesChecked++;
            }
            const target = values.get(key);
            if (target !== undefined) {
              const value = random.bytes(random.between(0, 500));
              const head = `cas ${key} 7 0 ${value.length} ${target.cas}\r\n`;
              await client.send(concatBytes(head, value, "\r\n"));
              expect(await client.line()).toBe("STORED");
              model.set(key, value);
            }
          } else if (operation === 7 || operation === 8) {
            const shared = `shared:${random.below(SHARED_KEYS)}`;
            const value = selfCheckingValue(index, sequence++, random.between(10, 4000));
            expect(await client.set(shared, value)).toBe("STORED");
          } else {
            const shared = `shared:${random.below(SHARED_KEYS)}`;
            const value = await client.get(shared);
            if (value !== undefined) {
              expect(isSelfChecking(value)).toBe(true);
              counts.valuesChecked++;
            }
          }
          counts.operations++;
        }
        for (let slot = 0; slot < 4; slot++) await expectOwn(own(slot));
        if (counterCreated) {
          const read = await client.get(counterKey);
          expect(read === undefined ? undefined : latin1Text(read)).toBe(String(counter));
        }
      };

      const midway = Bun.sleep(LOAD_MS / 2).then(() => observer.stats());
      await Promise.all(clients.map(run));
      const during = await midway;
      expect(during.get("curr_connections")).toBe(String(CLIENTS + 1));
      for (const client of clients) expect(client.closed).toBe(false);
      const after = await observer.stats();
      expect(after.get("store_failed")).toBe("0");
      expect(after.get("commit_failures")).toBe("0");
      console.log(
        `1000 clients: ${counts.operations} operations in ${LOAD_MS} ms, ${counts.valuesChecked} values checked`,
      );
      expect(counts.operations).toBeGreaterThan(CLIENTS * 5);
      for (const client of clients) client.close();
      observer.close();
    },
    LOAD_TEST_TIMEOUT_MS,
  );

  test(
    "Should pass memcaslap with 1000 concurrent connections and every get verified",
    async () => {
      const server = await startWithFiles(CLIENTS + 1, ["--max-conns", String(CLIENTS + 24)]);
      const observer = await TestClient.connect(server.port);
      // A fixed number of operations, not a duration: what is checked must
      // not depend on how fast a busy machine runs it.
      const memcaslap = Bun.spawn(
        [
          "/usr/bin/memcaslap",
          `--servers=127.0.0.1:${server.port}`,
          "--threads=2",
          `--concurrency=${CLIENTS}`,
          `--execute_number=${MEMCASLAP_OPERATIONS}`,
          "--verify=1.0",
          "--verbose",
        ],
        { stdout: "pipe", stderr: "pipe" },
      );
      let exited = false;
      const exitCode = memcaslap.exited.finally(() => {
        exited = true;
      });
      // memcaslap opens one connection per concurrency, plus the observer:
      // watch for all of them while it runs.
      let mostConnections = 0;
      while (!exited && mostConnections < CLIENTS + 1) {
        const stats = await observer.stats();
        mostConnections = Math.max(mostConnections, Number(stats.get("curr_connections")));
        await Bun.sleep(100);
      }
      const output = `${await new Response(memcaslap.stdout).text()}${await new Response(memcaslap.stderr).text()}`;
      expect(await exitCode).toBe(0);
      expect(mostConnections).toBe(CLIENTS + 1);
      const figure = (name: string) => {
        const match = new RegExp(`^${name}: (\\d+)$`, "m").exec(output);
        if (match === null) throw new Error(`memcaslap printed no ${name}:\n${output}`);
        return Number(match[1]);
      };
      expect(figure("verify_failed")).toBe(0);
      expect(figure("verify_misses")).toBe(0);
      expect(figure("get_misses")).toBe(0);
      expect(figure("cmd_get")).toBeGreaterThan(10_000);
      expect(output).not.toMatch(/error|fail(?!ed: 0)/i);
      console.log(
        `memcaslap: ${figure("cmd_get")} gets (all verified) and ${figure("cmd_set")} sets over ${CLIENTS} connections`,
      );
      observer.close();
    },
    MEMCASLAP_TIMEOUT_MS,
  );
});
