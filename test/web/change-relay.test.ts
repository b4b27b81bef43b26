/**
 * The relay of committed changes to the monitor's worker: coalesced per
 * interval like the feed, bounded, and silent once stopped.
 */
import { describe, expect, test } from "bun:test";
import type { Change } from "../../src/store/store.ts";
import { ChangeRelay } from "../../src/web/change-relay.ts";
import { MAX_PENDING_KEYS } from "../../src/web/coalesced-changes.ts";

const encoder = new TextEncoder();
const set = (key: string, cas = 1): Change => ({
  type: "set",
  key: encoder.encode(key),
  size: 1,
  flags: 0,
  cas,
  modifiedMs: 0,
});
const keysOf = (changes: Change[]) =>
  changes.map((change) =>
    change.type === "flush" ? "<flush>" : new TextDecoder().decode(change.key),
  );

/** A relay and the posts it made, with a way to wait for the next one. */
function recordingRelay() {
  const posts: { changes: Change[]; incomplete: boolean }[] = [];
  const relay = new ChangeRelay((changes, incomplete) => posts.push({ changes, incomplete }));
  const nextPost = async (count: number) => {
    const deadline = Date.now() + 10_000;
    while (posts.length < count && Date.now() < deadline) await Bun.sleep(5);
    expect(posts).toHaveLength(count);
    return posts[count - 1] as { changes: Change[]; incomplete: boolean };
  };
  return { relay, posts, nextPost };
}

describe("ChangeRelay", () => {
  test("Should post the commits of one interval together, the latest change per key in its order", async () => {
    const { relay, nextPost } = recordingRelay();
    relay.add([set("a", 1), set("b", 2)]);
    relay.add([set("a", 3), { type: "delete", key: encoder.encode("c") }]);
    const post = await nextPost(1);
    expect(post.incomplete).toBe(false);
    expect(keysOf(post.changes)).toEqual(["b", "a", "c"]);
    expect(post.changes[1]).toMatchObject({ type: "set", cas: 3 });
  });

  test("Should drop what came before a flush and pass the flush on first", async () => {
    const { relay, nextPost } = recordingRelay();
    relay.add([set("a"), { type: "flush" }, set("b")]);
    expect(keysOf((await nextPost(1)).changes)).toEqual(["<flush>", "b"]);
  });

  test("Should say incomplete instead of copying more keys than the feed would keep", async () => {
    const { relay, nextPost } = recordingRelay();
    relay.add(Array.from({ length: MAX_PENDING_KEYS + 1 }, (_, index) => set(`key-${index}`)));
    relay.add([set("after")]);
    const post = await nextPost(1);
    expect(post).toEqual({ changes: [], incomplete: true });
    relay.add([set("next")]);
    expect(await nextPost(2)).toMatchObject({ incomplete: false });
  });

  test("Should post nothing once stopped", async () => {
    const { relay, posts } = recordingRelay();
    relay.add([set("a")]);
    relay.stop();
    await Bun.sleep(200);
    expect(posts).toHaveLength(0);
  });
});
