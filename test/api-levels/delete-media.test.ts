/**
 * API level 4 (Mastodon 4.4): DELETE /api/v1/statuses/:id keeps the attachments for delete-and-redraft
 * unless `delete_media=true`, which deletes them (rows and R2 files) with the status.
 */
import { env } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mediaAttachments } from "../../src/db/schema";
import { api, createTestUser, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { fixture, upload } from "../media/helpers";

async function uploaded(token: string, description: string): Promise<string> {
  const res = await upload(token, { bytes: fixture("photo.jpg"), name: "photo.jpg", type: "image/jpeg" }, { description });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

async function postWithMedia(token: string, mediaIds: string[]): Promise<string> {
  const res = await api("/api/v1/statuses", { token, json: { status: "with media", media_ids: mediaIds } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

async function rows(ids: string[]) {
  return db()
    .select()
    .from(mediaAttachments)
    .where(
      inArray(
        mediaAttachments.id,
        ids.map((id) => Number(id)),
      ),
    );
}

async function inBucket(keys: Array<string | null>): Promise<boolean[]> {
  return Promise.all(keys.map(async (k) => (k ? (await env.MEDIA.head(k)) !== null : false)));
}

describe("DELETE /api/v1/statuses/:id and media", () => {
  it("keeps the media, detached, so the redraft can attach it again", async () => {
    const alice = await createTestUser();
    const media = [await uploaded(alice.token, "one"), await uploaded(alice.token, "two")];
    const statusId = await postWithMedia(alice.token, media);

    const res = await api(`/api/v1/statuses/${statusId}`, { token: alice.token, method: "DELETE" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { text: string; media_attachments: Array<{ id: string }> };
    expectEntity("Status", body);
    expect(body.text).toBe("with media");
    expect(body.media_attachments.map((m) => m.id)).toEqual(media);

    const kept = await rows(media);
    expect(kept).toHaveLength(2);
    expect(kept.every((r) => r.statusId === null)).toBe(true);
    expect(await inBucket(kept.flatMap((r) => [r.fileKey, r.previewKey]))).toEqual([true, true, true, true]);

    // Delete-and-redraft: the same ids attach to the new status.
    const redraft = await api("/api/v1/statuses", { token: alice.token, json: { status: body.text, media_ids: media } });
    expect(redraft.status).toBe(200);
    const again = (await redraft.json()) as { id: string; media_attachments: Array<{ id: string }> };
    expect(again.media_attachments.map((m) => m.id)).toEqual(media);
  });

  it("treats delete_media=false like no parameter", async () => {
    const alice = await createTestUser();
    const media = [await uploaded(alice.token, "kept")];
    const statusId = await postWithMedia(alice.token, media);
    const res = await api(`/api/v1/statuses/${statusId}?delete_media=false`, { token: alice.token, method: "DELETE" });
    expect(res.status).toBe(200);
    const [row] = await rows(media);
    expect(row?.statusId).toBeNull();
  });

  it("deletes rows and files with delete_media=true", async () => {
    const alice = await createTestUser();
    const media = [await uploaded(alice.token, "gone")];
    const statusId = await postWithMedia(alice.token, media);
    const before = await rows(media);
    const keys = before.flatMap((r) => [r.fileKey, r.previewKey]);
    expect(await inBucket(keys)).toEqual([true, true]);

    const res = await api(`/api/v1/statuses/${statusId}?delete_media=true`, { token: alice.token, method: "DELETE" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { media_attachments: Array<{ id: string }> };
    expectEntity("Status", body);
    expect(body.media_attachments.map((m) => m.id)).toEqual(media);
    expect(await rows(media)).toEqual([]);
    expect(await inBucket(keys)).toEqual([false, false]);

    const gone = await api(`/api/v1/statuses/${statusId}`, { token: alice.token });
    expect(gone.status).toBe(404);
  });

  it("reads delete_media from a JSON body too", async () => {
    const alice = await createTestUser();
    const media = [await uploaded(alice.token, "json")];
    const statusId = await postWithMedia(alice.token, media);
    const res = await api(`/api/v1/statuses/${statusId}`, { token: alice.token, method: "DELETE", json: { delete_media: true } });
    expect(res.status).toBe(200);
    expect(await rows(media)).toEqual([]);
  });

  it("touches nothing when the status is someone else's", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const media = [await uploaded(alice.token, "alice's")];
    const statusId = await postWithMedia(alice.token, media);
    const res = await api(`/api/v1/statuses/${statusId}?delete_media=true`, { token: bob.token, method: "DELETE" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Record not found" });
    const [row] = await rows(media);
    expect(row?.statusId).toBe(Number(statusId));
  });

  it("lets DELETE /api/v1/media/:id remove a detached upload, and refuses an attached one", async () => {
    const alice = await createTestUser();
    const media = [await uploaded(alice.token, "detach me")];
    const statusId = await postWithMedia(alice.token, media);
    const attached = await api(`/api/v1/media/${media[0]}`, { token: alice.token, method: "DELETE" });
    expect(attached.status).toBe(422);
    expect(await rows(media)).toHaveLength(1);

    await api(`/api/v1/statuses/${statusId}`, { token: alice.token, method: "DELETE" });
    const res = await api(`/api/v1/media/${media[0]}`, { token: alice.token, method: "DELETE" });
    expect(res.status).toBe(200);
    expect(
      await db()
        .select()
        .from(mediaAttachments)
        .where(eq(mediaAttachments.id, Number(media[0]))),
    ).toEqual([]);
  });
});
