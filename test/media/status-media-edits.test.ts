import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaAttachments, scheduledStatuses } from "../../src/db/schema";
import { deleteUnattachedMedia } from "../../src/media/cleanup";
import { publishDueScheduledStatuses } from "../../src/services/statuses/scheduled";
import { api, createTestUser, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { fixture, upload } from "./helpers";

interface Media {
  id: string;
  description: string | null;
  meta: { focus?: { x: number; y: number } };
}
interface StatusJson {
  id: string;
  content: string;
  media_attachments: Media[];
}

async function uploaded(token: string, description: string, file = "photo.jpg"): Promise<string> {
  const type = file.endsWith(".png") ? "image/png" : "image/jpeg";
  const res = await upload(token, { bytes: fixture(file), name: file, type }, { description });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

const mediaRow = async (id: string) =>
  (
    await db()
      .select()
      .from(mediaAttachments)
      .where(eq(mediaAttachments.id, Number(id)))
  )[0];

describe("media on scheduled statuses", () => {
  it("are checked when scheduled, kept until publication and published with the status, in order", async () => {
    const alice = await createTestUser();
    const first = await uploaded(alice.token, "first");
    const second = await uploaded(alice.token, "second", "alpha.png");
    const at = Date.now() + 10 * 60_000;
    const res = await api("/api/v1/statuses", {
      token: alice.token,
      json: { status: "", media_ids: [second, first], scheduled_at: new Date(at).toISOString() },
    });
    expect(res.status).toBe(200);
    const scheduled = (await res.json()) as { id: string; params: { media_ids: string[] }; media_attachments: Media[] };
    expectEntity("ScheduledStatus", scheduled);
    expect(scheduled.params.media_ids).toEqual([second, first]);
    expect(scheduled.media_attachments.map((m) => m.id)).toEqual([second, first]);

    // Read back (list and single) with the media, in order.
    const listed = (await (await api("/api/v1/scheduled_statuses", { token: alice.token })).json()) as Array<{
      media_attachments: Media[];
    }>;
    expectEntity("ScheduledStatus", listed, { array: true });
    expect(listed[0]?.media_attachments.map((m) => [m.id, m.description])).toEqual([
      [second, "second"],
      [first, "first"],
    ]);
    const one = (await (await api(`/api/v1/scheduled_statuses/${scheduled.id}`, { token: alice.token })).json()) as {
      media_attachments: Media[];
    };
    expect(one.media_attachments.map((m) => m.id)).toEqual([second, first]);

    // Two days later the unattached-media cleanup still keeps them: the scheduled status names them.
    await deleteUnattachedMedia(env, Date.now() + 2 * 86_400_000);
    expect(await mediaRow(first)).toBeDefined();

    expect(await publishDueScheduledStatuses(env, at + 60_000)).toBeGreaterThanOrEqual(1);
    const list = (await (
      await api(`/api/v1/accounts/${alice.account.id}/statuses`, { token: alice.token })
    ).json()) as StatusJson[];
    expect(list).toHaveLength(1);
    expectEntity("Status", list[0]);
    expect(list[0]?.media_attachments.map((m) => [m.id, m.description])).toEqual([
      [second, "second"],
      [first, "first"],
    ]);
    expect((await mediaRow(first))?.statusId).toBe(Number(list[0]?.id));
  });

  it("refuses someone else's media or too many, scheduling nothing", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const theirs = await uploaded(bob.token, "bob's");
    const at = new Date(Date.now() + 10 * 60_000).toISOString();
    const res = await api("/api/v1/statuses", {
      token: alice.token,
      json: { status: "hi", media_ids: [theirs], scheduled_at: at },
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toBe(`Media ${theirs} not found or already attached to another post`);
    const five = ["1", "2", "3", "4", "5"];
    const many = await api("/api/v1/statuses", { token: alice.token, json: { status: "hi", media_ids: five, scheduled_at: at } });
    expect(many.status).toBe(422);
    expect(((await many.json()) as { error: string }).error).toBe("Cannot attach more than 4 files");
    expect(await db().select().from(scheduledStatuses).where(eq(scheduledStatuses.accountId, alice.account.id))).toEqual([]);
  });
});

describe("editing media of a status", () => {
  it("changes the media list and descriptions and focus, as Mastodon does", async () => {
    const alice = await createTestUser();
    const a = await uploaded(alice.token, "old description");
    const b = await uploaded(alice.token, "b", "alpha.png");
    const posted = await api("/api/v1/statuses", { token: alice.token, json: { status: "look", media_ids: [a] } });
    const id = ((await posted.json()) as StatusJson).id;

    const edited = await api(`/api/v1/statuses/${id}`, {
      token: alice.token,
      method: "PUT",
      json: {
        status: "look",
        media_ids: [b, a],
        media_attributes: [{ id: a, description: "new description", focus: "0.5,-0.5" }],
      },
    });
    expect(edited.status).toBe(200);
    const body = (await edited.json()) as StatusJson & { edited_at: string | null };
    expectEntity("Status", body);
    expect(body.edited_at).not.toBeNull();
    expect(body.media_attachments.map((m) => [m.id, m.description])).toEqual([
      [b, "b"],
      [a, "new description"],
    ]);
    expect(body.media_attachments[1]?.meta.focus).toEqual({ x: 0.5, y: -0.5 });
    const read = (await (await api(`/api/v1/statuses/${id}`)).json()) as StatusJson;
    expect(read.media_attachments.map((m) => m.id)).toEqual([b, a]);

    // A description alone is an edit too.
    const describe2 = await api(`/api/v1/statuses/${id}`, {
      token: alice.token,
      method: "PUT",
      form: {
        status: "look",
        "media_ids[]": b,
        "media_attributes[0][id]": b,
        "media_attributes[0][description]": "b, described",
      },
    });
    expect(describe2.status).toBe(200);
    const afterForm = (await describe2.json()) as StatusJson;
    expect(afterForm.media_attachments.map((m) => [m.id, m.description])).toEqual([[b, "b, described"]]);
    // `a` was taken off the status: detached, so it may be used again (or cleaned up).
    expect((await mediaRow(a))?.statusId).toBeNull();
    const history = (await (await api(`/api/v1/statuses/${id}/history`)).json()) as unknown[];
    expect(history).toHaveLength(3);
  });

  it("refuses someone else's media and media attached elsewhere, changing nothing", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const mine = await uploaded(alice.token, "mine");
    const elsewhere = await uploaded(alice.token, "elsewhere");
    const theirs = await uploaded(bob.token, "theirs");
    const posted = (await (
      await api("/api/v1/statuses", { token: alice.token, json: { status: "one", media_ids: [mine] } })
    ).json()) as StatusJson;
    await api("/api/v1/statuses", { token: alice.token, json: { status: "two", media_ids: [elsewhere] } });

    for (const bad of [theirs, elsewhere]) {
      const res = await api(`/api/v1/statuses/${posted.id}`, {
        token: alice.token,
        method: "PUT",
        json: { status: "changed", media_ids: [mine, bad] },
      });
      expect(res.status).toBe(422);
      expect(((await res.json()) as { error: string }).error).toBe(`Media ${bad} not found or already attached to another post`);
    }
    const tooLong = await api(`/api/v1/statuses/${posted.id}`, {
      token: alice.token,
      method: "PUT",
      json: { status: "changed", media_ids: [mine], media_attributes: [{ id: mine, description: "x".repeat(1501) }] },
    });
    expect(tooLong.status).toBe(422);
    const read = (await (await api(`/api/v1/statuses/${posted.id}`)).json()) as StatusJson & { edited_at: string | null };
    expect(read.edited_at).toBeNull();
    expect(read.content).toContain("one");
    expect(read.media_attachments.map((m) => [m.id, m.description])).toEqual([[mine, "mine"]]);
    expect((await mediaRow(theirs))?.statusId).toBeNull();
  });
});
