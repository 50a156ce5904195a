/** GET, PUT and DELETE /api/v1/media/:id: own, unattached media only, as in Mastodon. */
import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { mediaAttachments } from "../../src/db/schema";
import type { MastodonMediaAttachment } from "../../src/entities/media-attachment";
import { api, BASE, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { bucketKeys, fixture, upload } from "./helpers";

let owner: TestUser;
let other: TestUser;
beforeAll(async () => {
  owner = await createTestUser();
  other = await createTestUser();
});

async function newMedia(user = owner): Promise<MastodonMediaAttachment> {
  const res = await upload(user.token, { bytes: fixture("photo.jpg"), name: "photo.jpg", type: "image/jpeg" });
  expect(res.status).toBe(200);
  return (await res.json()) as MastodonMediaAttachment;
}

const keyOf = (url: string | null) => (url ?? "").replace("http://petrel.test/media/", "");

describe("GET /api/v1/media/:id", () => {
  it("shows the owner's upload and hides it from everyone else", async () => {
    const media = await newMedia();
    const mine = await api(`/api/v1/media/${media.id}`, { token: owner.token });
    expect(mine.status).toBe(200);
    expect(await mine.json()).toEqual(media);
    expect((await api(`/api/v1/media/${media.id}`, { token: other.token })).status).toBe(404);
    expect((await api("/api/v1/media/12345", { token: owner.token })).status).toBe(404);
    expect((await api("/api/v1/media/not-an-id", { token: owner.token })).status).toBe(404);
  });

  it("no longer shows media once it is attached to a status", async () => {
    const media = await newMedia();
    await db()
      .update(mediaAttachments)
      .set({ statusId: 424242 })
      .where(eq(mediaAttachments.id, Number(media.id)));
    expect((await api(`/api/v1/media/${media.id}`, { token: owner.token })).status).toBe(404);
  });
});

describe("PUT /api/v1/media/:id", () => {
  it("updates description and focus (JSON or form), keeping the rest", async () => {
    const media = await newMedia();
    const res = await api(`/api/v1/media/${media.id}`, {
      token: owner.token,
      method: "PUT",
      json: { description: "Alt text", focus: "-0.5,1" },
    });
    expect(res.status).toBe(200);
    const updated = (await res.json()) as MastodonMediaAttachment;
    expect(updated.description).toBe("Alt text");
    expect(updated.meta.focus).toEqual({ x: -0.5, y: 1 });
    expect(updated.meta.original).toEqual(media.meta.original);
    expect(updated.url).toBe(media.url);
    const form = await api(`/api/v1/media/${media.id}`, { token: owner.token, method: "PATCH", form: { description: "Form" } });
    expect(((await form.json()) as MastodonMediaAttachment).description).toBe("Form");
  });

  it("replaces the preview with a new thumbnail and deletes the old one", async () => {
    const media = await newMedia();
    const form = new FormData();
    form.append("thumbnail", new File([fixture("image.webp")], "t.webp", { type: "image/webp" }));
    const res = await SELF.fetch(`${BASE}/api/v1/media/${media.id}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${owner.token}` },
      body: form,
    });
    expect(res.status).toBe(200);
    const updated = (await res.json()) as MastodonMediaAttachment;
    expect(updated.preview_url).not.toBe(media.preview_url);
    expect(updated.meta.small).toMatchObject({ width: 64, height: 64 });
    const keys = await bucketKeys(owner.account.id);
    expect(keys).toContain(keyOf(updated.preview_url));
    expect(keys).not.toContain(keyOf(media.preview_url));
  });

  it("refuses bad values with 422 and changes nothing", async () => {
    const media = await newMedia();
    for (const json of [{ focus: "1.5,0" }, { focus: "0" }, { description: "y".repeat(1501) }]) {
      const res = await api(`/api/v1/media/${media.id}`, { token: owner.token, method: "PUT", json });
      expect(res.status).toBe(422);
    }
    expect(await (await api(`/api/v1/media/${media.id}`, { token: owner.token })).json()).toEqual(media);
  });

  it("is only for the owner", async () => {
    const media = await newMedia();
    const res = await api(`/api/v1/media/${media.id}`, { token: other.token, method: "PUT", json: { description: "mine now" } });
    expect(res.status).toBe(404);
  });
});

describe("DELETE /api/v1/media/:id", () => {
  it("deletes an unattached upload and its files", async () => {
    const media = await newMedia();
    expect(await bucketKeys(owner.account.id)).toContain(keyOf(media.url));
    expect((await api(`/api/v1/media/${media.id}`, { token: other.token, method: "DELETE" })).status).toBe(404);
    const res = await api(`/api/v1/media/${media.id}`, { token: owner.token, method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const keys = await bucketKeys(owner.account.id);
    expect(keys).not.toContain(keyOf(media.url));
    expect(keys).not.toContain(keyOf(media.preview_url));
    expect((await api(`/api/v1/media/${media.id}`, { token: owner.token })).status).toBe(404);
  });

  it("refuses to delete media attached to a status", async () => {
    const media = await newMedia();
    await db()
      .update(mediaAttachments)
      .set({ statusId: 434343 })
      .where(eq(mediaAttachments.id, Number(media.id)));
    const res = await api(`/api/v1/media/${media.id}`, { token: owner.token, method: "DELETE" });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toMatch(/used by a status/);
    expect(await bucketKeys(owner.account.id)).toContain(keyOf(media.url));
  });
});
