/**
 * A pool of litecached processes for the sharding tests: each instance has
 * its own database in one temporary folder, can be killed with SIGKILL and
 * restarted on the same database and port, and everything is removed at the end.
 */
import { expect } from "bun:test";
import { join } from "node:path";
import { type RunningServer, startServer, temporaryDirectory } from "../../support/server.ts";
import { removeTemporaryDirectory } from "../../support/temporary-folders.ts";
import { TestClient } from "../../support/test-client.ts";

/** Keys per multiget when reading a whole key set back. */
const KEYS_PER_GET = 100;

export class InstancePool {
  readonly instances: RunningServer[] = [];
  private readonly directory = temporaryDirectory("litecached-pool-");

  static async start(count: number): Promise<InstancePool> {
    const pool = new InstancePool();
    try {
      for (let index = 0; index < count; index++) {
        const databasePath = join(pool.directory, `instance-${index + 1}.sqlite`);
        pool.instances.push(await startServer({ databasePath }));
      }
    } catch (error) {
      await pool.stop();
      throw error;
    }
    return pool;
  }

  get ports(): number[] {
    return this.instances.map((instance) => instance.port);
  }

  /** kill -9: no shutdown, no final commit. */
  async kill(index: number): Promise<void> {
    await this.instance(index).kill();
  }

  /** Starts the instance again on its own database and port. */
  async restart(index: number): Promise<void> {
    const { databasePath, port } = this.instance(index);
    this.instances[index] = await startServer({ databasePath, port });
  }

  /** Stops every instance still running and removes every database. */
  async stop(): Promise<void> {
    for (const instance of this.instances) {
      if (instance.process.exitCode === null && instance.process.signalCode === null) {
        await instance.stop();
      }
    }
    removeTemporaryDirectory(this.directory);
  }

  /** For each key, the index of the instance that holds it (asked directly), or -1. */
  async owners(keys: readonly string[]): Promise<number[]> {
    const owners = keys.map(() => -1);
    for (const [index, instance] of this.instances.entries()) {
      const found = await readAll(instance.port, keys);
      keys.forEach((key, position) => {
        if (found.has(key)) {
          if (owners[position] !== -1) throw new Error(`${key} is on two instances`);
          owners[position] = index;
        }
      });
    }
    return owners;
  }

  /**
   * For each key, the index of the instance that holds it, after checking
   * that every key is on one instance and each holds `minShare` of them.
   */
  async expectSpread(keys: readonly string[], minShare: number): Promise<number[]> {
    const owners = await this.owners(keys);
    expect(owners.filter((owner) => owner === -1)).toHaveLength(0);
    const counts = this.instances.map((_, index) => owners.filter((o) => o === index).length);
    console.log(`keys per instance: ${counts.join(", ")} of ${keys.length}`);
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(keys.length * minShare);
    return owners;
  }

  private instance(index: number): RunningServer {
    const instance = this.instances[index];
    if (instance === undefined) throw new Error(`no instance ${index}`);
    return instance;
  }
}

/** Every key's value (as Latin-1 text) found on the server at `port`, by pipelined multigets. */
export async function readAll(port: number, keys: readonly string[]): Promise<Map<string, string>> {
  const client = await TestClient.connect(port);
  try {
    const batches: Promise<Map<string, { value: Uint8Array }>>[] = [];
    for (let start = 0; start < keys.length; start += KEYS_PER_GET) {
      batches.push(client.getMany(keys.slice(start, start + KEYS_PER_GET)));
    }
    const values = new Map<string, string>();
    for (const batch of await Promise.all(batches)) {
      for (const [key, item] of batch) values.set(key, Buffer.from(item.value).toString("latin1"));
    }
    return values;
  } finally {
    client.close();
  }
}

/** Sets every key to its value through the server (or proxy) at `port`, pipelined. */
export async function writeAll(port: number, items: ReadonlyMap<string, string>): Promise<void> {
  const client = await TestClient.connect(port);
  try {
    const replies = await Promise.all([...items].map(([key, value]) => client.set(key, value)));
    const failed = replies.filter((reply) => reply !== "STORED");
    if (failed.length > 0) throw new Error(`${failed.length} sets failed, e.g. ${failed[0]}`);
  } finally {
    client.close();
  }
}
