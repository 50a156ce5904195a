/**
 * What statuses and the cron rely on: claiming media for a status (Mastodon's checks), loading media
 * for many statuses at once, and deleting uploads left unattached for a day.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { mediaAttachments, scheduledStatuses } from "../../src/db/schema";
import type { MastodonMediaAttachment } from "../../src/entities/media-attachment";
import { newId } from "../../src/ids";
import { deleteUnattachedMedia, UNATTACHED_TTL_MS } from "../../src/media/cleanup";
import { claimMediaForStatus, loadMediaForStatuses } from "../../src/services/media";
import { config, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { bucketKeys, fixture, upload } from "./helpers";

let user: TestUser;
let other: TestUser;
beforeAll(async () => {
  user = await createTestUser();
  other = await createTestUser();
});

async function newMedia(name = "photo.jpg", type = "image/jpeg", who = user): Promise<MastodonMediaAttachment> {
  const res = await upload(who.token, { bytes: fixture(name), name, type });
  expect(res.status).toBe(200);
  return (await res.json()) as MastodonMediaAttachment;
}

const errorOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as { status: number; message: string };
  }
  throw new Error("expected a refusal");
};

describe("claimMediaForStatus and loadMediaForStatuses", () => {
  it("attaches up to four own uploads in order, and loads them back per status", async () => {
    const a = await newMedia();
    const b = await newMedia("image.webp", "image/webp");
    const statusId = newId();
    const { media, statements } = await claimMediaForStatus(db(), user.account.id, [b.id, a.id], statusId);
    expect(media.map((m) => String(m.id))).toEqual([b.id, a.id]);
    const [first, ...rest] = statements;
    if (!first) throw new Error("no statements");
    await db().batch([first, ...rest]);
    const loaded = await loadMediaForStatuses(db(), config(), [statusId, 1]);
    expect(loaded.get(statusId)?.map((m) => m.id)).toEqual([b.id, a.id]);
    expect(loaded.get(statusId)?.[0]).toEqual(b);
    expect(loaded.has(1)).toBe(false);
    // Attached now: a second status cannot take them.
    const again = await errorOf(claimMediaForStatus(db(), user.account.id, [a.id], newId()));
    expect(again).toMatchObject({ status: 422, message: `Media ${a.id} not found or already attached to another post` });
    // An edit of the same status may list them again.
    const edit = await claimMediaForStatus(db(), user.account.id, [a.id], statusId, { editing: true });
    expect(edit.media).toHaveLength(1);
  });

  it("refuses others' media, unknown ids, more than four, and video mixed with images", async () => {
    const mine = await newMedia();
    const theirs = await newMedia("photo.jpg", "image/jpeg", other);
    expect(await errorOf(claimMediaForStatus(db(), user.account.id, [theirs.id], newId()))).toMatchObject({ status: 422 });
    expect(await errorOf(claimMediaForStatus(db(), user.account.id, ["999", mine.id], newId()))).toMatchObject({
      message: "Media 999 not found or already attached to another post",
    });
    const five = [mine.id, mine.id, mine.id, mine.id, mine.id];
    expect(await errorOf(claimMediaForStatus(db(), user.account.id, five, newId()))).toMatchObject({
      message: "Cannot attach more than 4 files",
    });
    const video = await newMedia("video.mp4", "video/mp4");
    expect(await errorOf(claimMediaForStatus(db(), user.account.id, [mine.id, video.id], newId()))).toMatchObject({
      message: "Cannot attach a video to a post that already contains images",
    });
  });
});

describe("deleteUnattachedMedia", () => {
  it("deletes rows and files of uploads unattached for over a day, and nothing else", async () => {
    const old = await newMedia();
    const recent = await newMedia();
    const attached = await newMedia();
    const scheduled = await newMedia();
    const now = Date.now() + UNATTACHED_TTL_MS + 60_000;
    const setCreated = (id: string, at: number) =>
      db()
        .update(mediaAttachments)
        .set({ createdAt: at })
        .where(eq(mediaAttachments.id, Number(id)));
    await setCreated(old.id, Date.now() - UNATTACHED_TTL_MS);
    await setCreated(attached.id, Date.now() - UNATTACHED_TTL_MS);
    await setCreated(scheduled.id, Date.now() - UNATTACHED_TTL_MS);
    await setCreated(recent.id, now - 1000);
    await db()
      .update(mediaAttachments)
      .set({ statusId: newId() })
      .where(eq(mediaAttachments.id, Number(attached.id)));
    await db()
      .insert(scheduledStatuses)
      .values({
        id: newId(),
        accountId: user.account.id,
        scheduledAt: now + 86_400_000,
        params: { media_ids: [scheduled.id] },
        createdAt: Date.now(),
      });

    let deleted = 0;
    for (let n = await deleteUnattachedMedia(env, now); n > 0; n = await deleteUnattachedMedia(env, now)) deleted += n;
    expect(deleted).toBeGreaterThanOrEqual(1);
    const remaining = (await db().select({ id: mediaAttachments.id }).from(mediaAttachments)).map((r) => String(r.id));
    expect(remaining).not.toContain(old.id);
    expect(remaining).toEqual(expect.arrayContaining([recent.id, attached.id, scheduled.id]));
    const keys = await bucketKeys(user.account.id);
    const key = (url: string | null) => (url ?? "").replace("http://petrel.test/media/", "");
    expect(keys).not.toContain(key(old.url));
    expect(keys).not.toContain(key(old.preview_url));
    for (const kept of [recent, attached, scheduled]) expect(keys).toContain(key(kept.url));
  });
});
