/**
 * Avatars and headers through update_credentials (multipart), and DELETE /api/v1/profile/avatar|header.
 */
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { MastodonCredentialAccount } from "../../src/entities/account";
import { readImageHeader } from "../../src/media/image-info";
import { sniff } from "../../src/media/sniff";
import { api, BASE, createTestUser, type TestUser } from "../helpers/fixtures";
import { bucketKeys, fixture } from "./helpers";

let user: TestUser;
beforeAll(async () => {
  user = await createTestUser();
});

function updateCredentials(
  token: string,
  files: Record<string, { name: string; type: string; bytes?: Uint8Array }>,
  fields: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [field, f] of Object.entries(files))
    form.append(field, new File([f.bytes ?? fixture(f.name)], f.name, { type: f.type }));
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return SELF.fetch(`${BASE}/api/v1/accounts/update_credentials`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
}

async function image(url: string) {
  const res = await SELF.fetch(url);
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const found = sniff(bytes);
  if (!found) throw new Error("not an image");
  return { type: res.headers.get("content-type"), ...readImageHeader(bytes, found.family) };
}

const keyOf = (url: string) => url.replace(`${BASE}/media/`, "");

describe("avatar and header uploads", () => {
  it("crops the avatar square and the header to 3:1, re-encoded without metadata", async () => {
    const res = await updateCredentials(
      user.token,
      {
        avatar: { name: "photo.jpg", type: "image/jpeg" },
        header: { name: "alpha.png", type: "image/png" },
      },
      { display_name: "Pictured" },
    );
    const account = (await res.json()) as MastodonCredentialAccount;
    expect(res.status, JSON.stringify(account)).toBe(200);
    expect(account.display_name).toBe("Pictured");
    expect(account.avatar).toMatch(/\/media\/accounts\/avatars\/\d+\/[0-9a-f]+\.jpg$/);
    expect(account.avatar_static).toBe(account.avatar);
    expect(await image(account.avatar)).toMatchObject({ type: "image/jpeg", width: 64, height: 64 });
    // 80×60 → 3:1 crop of 80×27 (never upscaled); it has transparency, so it stays PNG.
    expect(await image(account.header)).toMatchObject({ type: "image/png", width: 80, height: 27 });
    const stored = new Uint8Array(await (await SELF.fetch(account.avatar)).arrayBuffer());
    expect(String.fromCharCode(...stored)).not.toContain("PetrelCam");
  });

  it("keeps an animated GIF avatar and adds a still PNG for avatar_static", async () => {
    const before = (await (
      await api("/api/v1/accounts/verify_credentials", { token: user.token })
    ).json()) as MastodonCredentialAccount;
    const res = await updateCredentials(user.token, { avatar: { name: "animated.gif", type: "image/gif" } });
    const account = (await res.json()) as MastodonCredentialAccount;
    expect(res.status).toBe(200);
    expect(account.avatar).toMatch(/\.gif$/);
    expect(account.avatar_static).toBe(account.avatar.replace(/\.gif$/, "-static.png"));
    expect(await image(account.avatar)).toMatchObject({ type: "image/gif", width: 40, height: 30 });
    expect(await image(account.avatar_static)).toMatchObject({ type: "image/png", width: 30, height: 30 });
    // The replaced avatar's file is gone; the header is untouched.
    const keys = await bucketKeys(user.account.id);
    expect(keys).not.toContain(keyOf(before.avatar));
    expect(keys).toContain(keyOf(before.header));
  });

  it("refuses files that are not images it takes, storing nothing", async () => {
    const other = await createTestUser();
    const refused: Array<Record<string, { name: string; type: string; bytes?: Uint8Array }>> = [
      { avatar: { name: "a.png", type: "image/png", bytes: new TextEncoder().encode("not an image") } },
      { header: { name: "clip.mp4", type: "video/mp4", bytes: fixture("video.mp4") } },
      { avatar: { name: "photo.png", type: "image/png", bytes: fixture("photo.jpg") } },
      { avatar: { name: "image.avif", type: "image/avif" } },
    ];
    for (const files of refused) {
      const res = await updateCredentials(other.token, files, { display_name: "Nope" });
      const body = (await res.json()) as { error: string };
      expect(res.status, JSON.stringify(files)).toBe(422);
      expect(body.error).toMatch(/^Validation failed: (Avatar|Header) /);
    }
    expect(await bucketKeys(other.account.id)).toEqual([]);
    const account = (await (
      await api("/api/v1/accounts/verify_credentials", { token: other.token })
    ).json()) as MastodonCredentialAccount;
    expect(account.display_name).not.toBe("Nope");
    expect(account.avatar).toMatch(/missing\.png$/);
  });

  it("removes avatar and header with DELETE /api/v1/profile/…", async () => {
    const current = (await (
      await api("/api/v1/accounts/verify_credentials", { token: user.token })
    ).json()) as MastodonCredentialAccount;
    const res = await api("/api/v1/profile/avatar", { token: user.token, method: "DELETE" });
    expect(res.status).toBe(200);
    const account = (await res.json()) as MastodonCredentialAccount;
    expect(account.avatar).toBe(`${BASE}/avatars/original/missing.png`);
    expect(account.avatar_static).toBe(account.avatar);
    expect(account.header).toBe(current.header);
    const keys = await bucketKeys(user.account.id);
    expect(keys).not.toContain(keyOf(current.avatar));
    expect(keys).not.toContain(keyOf(current.avatar_static));
    const header = await api("/api/v1/profile/header", { token: user.token, method: "DELETE" });
    expect(((await header.json()) as MastodonCredentialAccount).header).toBe(`${BASE}/headers/original/missing.png`);
    expect(await bucketKeys(user.account.id)).toEqual([]);
  });
});
