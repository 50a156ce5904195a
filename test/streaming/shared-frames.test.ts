/**
 * A shard builds each distinct frame once per delivery and sends it to every socket that gets that
 * copy. Viewers who share one shard must still each get their own copy where it differs: the author
 * (`pinned`), a viewer whose filter matches (`filtered`), and everyone else (one shared copy).
 */
import { describe, expect, it } from "vitest";
import { shardOf } from "../../src/streaming/shards";
import { relate } from "../feeds/helpers";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { connected, type Frame, payloadOf } from "./helpers";

/** Creates users until `n` of them land in one socket shard (ids hash over 8 shards). */
async function sameShard(n: number): Promise<TestUser[]> {
  const byShard = new Map<number, TestUser[]>();
  for (let i = 0; i < 80; i++) {
    const user = await createTestUser();
    const shard = shardOf(user.account.id);
    const group = [...(byShard.get(shard) ?? []), user];
    if (group.length === n) return group;
    byShard.set(shard, group);
  }
  throw new Error(`no ${n} users in one shard`);
}

interface Copy {
  filtered: Array<{ filter: { title: string } }>;
  pinned?: boolean;
}

describe("frames shared within a shard", { timeout: 60_000 }, () => {
  it("give the author, a filtering viewer and the others each their own copy on public and user streams", async () => {
    const [author, filterer, first, second] = await sameShard(4);
    if (!author || !filterer || !first || !second) throw new Error("users");
    for (const viewer of [filterer, first, second]) await relate(viewer, author.account.id, "follow");
    const filter = await api("/api/v2/filters", {
      token: filterer.token,
      json: { title: "okra", context: ["public", "home"], filter_action: "warn", keywords_attributes: [{ keyword: "okra" }] },
    });
    expect(filter.status).toBe(200);
    const sockets = await Promise.all(
      [author, filterer, first, second].map((u) => connected("stream=public:local", { token: u.token })),
    );
    for (const s of sockets) s.subscribe("user");
    for (const s of sockets) await s.barrier();

    const posted = await api("/api/v1/statuses", { token: author.token, json: { status: "okra stew tonight" } });
    expect(posted.status).toBe(200);
    const id = ((await posted.json()) as { id: string }).id;
    const frameOn = async (i: number, stream: string): Promise<Frame> => {
      const socket = sockets[i];
      if (!socket) throw new Error("socket");
      return socket.waitFor((f) => f.event === "update" && f.stream?.[0] === stream);
    };

    for (const stream of ["public:local", "user"]) {
      const [own, warned, a, b] = await Promise.all([0, 1, 2, 3].map((i) => frameOn(i, stream)));
      if (!own || !warned || !a || !b) throw new Error("frames");
      for (const f of [own, warned, a, b]) expect(payloadOf<{ id: string }>(f).id).toBe(id);
      expect(payloadOf<Copy>(own).pinned).toBe(false);
      expect(payloadOf<Copy>(warned).filtered.map((r) => r.filter.title)).toEqual(["okra"]);
      expect(payloadOf<Copy>(warned).pinned).toBeUndefined();
      expect(payloadOf<Copy>(a).filtered).toEqual([]);
      expect(payloadOf<Copy>(a).pinned).toBeUndefined();
      // The two bystanders got the very same frame; the author's and the filterer's differ from it.
      expect(b.payload).toBe(a.payload);
      expect(own.payload).not.toBe(a.payload);
      expect(warned.payload).not.toBe(a.payload);
    }
    for (const s of sockets) s.close();
  });
});
