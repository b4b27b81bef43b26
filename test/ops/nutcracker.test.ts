/**
 * The sharding recipe (deploy/nutcracker.yml) for real: three litecached
 * processes behind Debian's nutcracker, 10,000 keys through the proxy, one
 * instance killed with SIGKILL and restarted on its own database. Also
 * measures which commands nutcracker does not forward, as the README says.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { TestClient } from "../support/test-client.ts";
import {
  NUTCRACKER_PATH,
  RECIPE_PATH,
  type RunningNutcracker,
  startNutcracker,
} from "./support/nutcracker.ts";
import { InstancePool, readAll, writeAll } from "./support/pool.ts";

/** Real processes on a busy machine: more than bun's 5 s default, hooks included. */
setDefaultTimeout(60_000);

const INSTANCE_COUNT = 3;
const KEY_COUNT = 10_000;
/** No instance may hold less than this share of the keys. */
const MIN_SHARE = 0.2;
const KILLED = 1;
const SLOW_TEST_MS = 120_000;
/** server_retry_timeout for the ejection trial: how long an ejected instance stays out. */
const EJECT_RETRY_MS = 1000;

/** Keys shaped like an application's, values of 1 to 300 bytes that name their key. */
const items = new Map<string, string>();
for (let index = 0; index < KEY_COUNT; index++) {
  items.set(`user:${index}:profile`, `v${index}:${"x".repeat(index % 300)}`);
}
const keys = [...items.keys()];

let pool: InstancePool;
let proxy: RunningNutcracker;
let owners: number[] = [];

beforeAll(async () => {
  pool = await InstancePool.start(INSTANCE_COUNT);
  proxy = await startNutcracker(pool.ports);
});

afterAll(async () => {
  await proxy?.stop();
  await pool?.stop();
});

/** Sends one request through the proxy and collects everything until it goes quiet. */
async function throughProxy(
  request: string | Uint8Array,
): Promise<{ reply: string; closed: boolean }> {
  const client = await TestClient.connect(proxy.port);
  try {
    client.send(request);
    const reply = await client.readQuiet(500);
    return { reply, closed: client.closed || (await client.waitForClose(200)) };
  } finally {
    client.close();
  }
}

describe("three litecached instances behind nutcracker", () => {
  test("Should accept the recipe as a valid nutcracker configuration", () => {
    const check = Bun.spawnSync([NUTCRACKER_PATH, "--test-conf", "--conf-file", RECIPE_PATH]);
    expect(`${check.stdout}${check.stderr}`).toContain("syntax is ok");
    expect(check.exitCode).toBe(0);
  });

  test(
    "Should spread 10,000 keys written through the proxy over all three instances",
    async () => {
      await writeAll(proxy.port, items);
      owners = await pool.expectSpread(keys, MIN_SHARE);
      expect(await readAll(proxy.port, keys)).toEqual(items);
    },
    SLOW_TEST_MS,
  );

  test(
    "Should answer keys of a killed instance with an error and the others as usual",
    async () => {
      await pool.kill(KILLED);
      const lostKey = keys[owners.indexOf(KILLED)] as string;
      const keptKey = keys[owners.findIndex((owner) => owner !== KILLED)] as string;
      const keptValue = items.get(keptKey) as string;
      const refused = { reply: "SERVER_ERROR Connection refused\r\n", closed: false };
      expect(await throughProxy(`get ${lostKey}\r\n`)).toEqual(refused);
      expect(await throughProxy(`set ${lostKey} 0 0 1\r\nx\r\n`)).toEqual(refused);
      expect(await throughProxy(`get ${keptKey}\r\n`)).toEqual({
        reply: `VALUE ${keptKey} 0 ${keptValue.length}\r\n${keptValue}\r\nEND\r\n`,
        closed: false,
      });
      // A multiget that needs the dead instance fails whole, and nutcracker hangs up.
      expect(await throughProxy(`get ${keptKey} ${lostKey}\r\n`)).toEqual({
        ...refused,
        closed: true,
      });
    },
    SLOW_TEST_MS,
  );

  test(
    "Should give back every key after the killed instance restarts on its database",
    async () => {
      await pool.restart(KILLED);
      expect(await readAll(proxy.port, keys)).toEqual(items);
    },
    SLOW_TEST_MS,
  );
});

/** memcached's binary protocol: a get request (magic 0x80, opcode 0x00) for the key "a". */
const BINARY_GET = new Uint8Array([
  0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x61,
]);

describe("what nutcracker does not forward", () => {
  const notForwarded: [string, string | Uint8Array][] = [
    ["stats", "stats\r\n"],
    ["stats with an argument", "stats items\r\n"],
    ["flush_all", "flush_all\r\n"],
    ["verbosity", "verbosity 1\r\n"],
    ["gat", `gat 0 ${keys[0]}\r\n`],
    ["gats", `gats 0 ${keys[0]}\r\n`],
    ["a meta get", `mg ${keys[0]} v\r\n`],
    ["a meta set", `ms ${keys[0]} 1\r\nx\r\n`],
    ["a meta no-op", "mn\r\n"],
    ["shutdown", "shutdown\r\n"],
    ["lru_crawler", "lru_crawler metadump all\r\n"],
    ["a key over 250 bytes", `get ${"k".repeat(251)}\r\n`],
    ["the binary protocol", BINARY_GET],
  ];
  for (const [name, request] of notForwarded) {
    test(`Should hang up without a reply on ${name}`, async () => {
      expect(await throughProxy(request)).toEqual({ reply: "", closed: true });
    });
  }

  test("Should forward version, touch and noreply writes", async () => {
    const key = keys[0] as string;
    expect(await throughProxy("version\r\n")).toEqual({
      reply: "VERSION 1.6.18\r\n",
      closed: false,
    });
    expect(await throughProxy(`touch ${key} 0\r\n`)).toEqual({
      reply: "TOUCHED\r\n",
      closed: false,
    });
    expect(await throughProxy(`set ${key} 0 0 1 noreply\r\nz\r\nget ${key}\r\n`)).toEqual({
      reply: `VALUE ${key} 0 1\r\nz\r\nEND\r\n`,
      closed: false,
    });
  });

  test("Should forward every storage command, incr, decr, gets, cas and delete", async () => {
    const requests = [
      "add fwd:a 1 0 1\r\nb\r\n",
      "replace fwd:a 2 0 1\r\nc\r\n",
      "append fwd:a 0 0 1\r\nd\r\n",
      "prepend fwd:a 0 0 1\r\ne\r\n",
      "get fwd:a\r\n",
      "set fwd:n 0 0 1\r\n5\r\n",
      "incr fwd:n 2\r\n",
      "decr fwd:n 1\r\n",
      "delete fwd:a\r\n",
      "gets fwd:n\r\n",
    ];
    const { reply, closed } = await throughProxy(requests.join(""));
    expect(closed).toBe(false);
    const cas = /^VALUE fwd:n 0 1 (\d+)\r$/m.exec(reply)?.[1];
    expect(reply).toBe(
      `STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\nVALUE fwd:a 2 3\r\necd\r\nEND\r\nSTORED\r\n7\r\n6\r\nDELETED\r\nVALUE fwd:n 0 1 ${cas}\r\n6\r\nEND\r\n`,
    );
    expect(
      await throughProxy(`cas fwd:n 0 0 1 ${cas}\r\n9\r\ncas fwd:n 0 0 1 ${cas}\r\n8\r\n`),
    ).toEqual({
      reply: "STORED\r\nEXISTS\r\n",
      closed: false,
    });
  });

  test(
    "Should keep cas values unique per instance only, not across the pool",
    async () => {
      const client = await TestClient.connect(proxy.port);
      try {
        // gets through the proxy: each key's cas comes from its own instance.
        client.send(`gets ${keys.slice(0, 200).join(" ")}\r\n`);
        const reply = await client.readUntil("END\r\n", 30_000);
        const casByKey = new Map(
          [...reply.matchAll(/^VALUE (\S+) \d+ \d+ (\d+)\r$/gm)].map((m) => [m[1], m[2]]),
        );
        expect(casByKey.size).toBe(200);
        const sharedCas = keys
          .slice(0, 200)
          .filter((key, index) =>
            keys
              .slice(0, index)
              .some(
                (other) =>
                  casByKey.get(other) === casByKey.get(key) &&
                  owners[keys.indexOf(other)] !== owners[index],
              ),
          );
        // Two keys on different instances may carry the same cas value.
        expect(sharedCas.length).toBeGreaterThan(0);
      } finally {
        client.close();
      }
    },
    SLOW_TEST_MS,
  );
});

/** The recipe with nutcracker's ejection turned on, as a cache pool would run it. */
function withAutoEject(recipe: string): string {
  const edited = recipe.replace(
    "auto_eject_hosts: false",
    `auto_eject_hosts: true\n  server_failure_limit: 1\n  server_retry_timeout: ${EJECT_RETRY_MS}`,
  );
  if (edited === recipe) throw new Error("the recipe no longer says auto_eject_hosts: false");
  return edited;
}

describe("why the recipe keeps auto_eject_hosts off", () => {
  test(
    "Should, with auto_eject_hosts on, miss a dead instance's keys and serve stale values once it returns",
    async () => {
      const ejecting = await startNutcracker(pool.ports, withAutoEject);
      const through = async (request: string) => {
        const client = await TestClient.connect(ejecting.port);
        try {
          client.send(request);
          return await client.readQuiet(300);
        } finally {
          client.close();
        }
      };
      // The last such key: the tests above changed keys[0].
      const lostKey = keys[owners.lastIndexOf(KILLED)] as string;
      const original = items.get(lostKey) as string;
      try {
        expect(await through(`get ${lostKey}\r\n`)).toBe(
          `VALUE ${lostKey} 0 ${original.length}\r\n${original}\r\nEND\r\n`,
        );
        await pool.kill(KILLED);
        // The first failure (the dropped connection, or a refused request:
        // server_failure_limit: 1) ejects it; its keys then go to the other
        // instances, which miss them.
        const ejected = Date.now() + EJECT_RETRY_MS * 10;
        let missing = "";
        while (Date.now() < ejected && missing !== "END\r\n") {
          missing = await through(`get ${lostKey}\r\n`);
          expect(["END\r\n", "SERVER_ERROR Connection refused\r\n"]).toContain(missing);
        }
        expect(missing).toBe("END\r\n");
        // A write meanwhile lands on another instance.
        expect(await through(`set ${lostKey} 0 0 5\r\nnewer\r\n`)).toBe("STORED\r\n");
        await pool.restart(KILLED);
        // Back in the ring after server_retry_timeout: it answers with the value
        // it kept, older than the write acknowledged meanwhile.
        const deadline = Date.now() + EJECT_RETRY_MS * 10;
        let reply = "";
        while (Date.now() < deadline) {
          reply = await through(`get ${lostKey}\r\n`);
          if (!reply.includes("newer")) break;
          await Bun.sleep(EJECT_RETRY_MS / 4);
        }
        expect(reply).toBe(`VALUE ${lostKey} 0 ${original.length}\r\n${original}\r\nEND\r\n`);
      } finally {
        await ejecting.stop();
      }
    },
    SLOW_TEST_MS,
  );
});
