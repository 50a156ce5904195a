import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { customEmojis } from "../../src/db/schema-media";
import { loadNoteSource, noteObject } from "../../src/federation/outbound/note";
import {
  emojiTagsFor,
  importCustomEmoji,
  loadEmojiLookup,
  shortcodesIn,
  storeRemoteEmojis,
} from "../../src/services/custom-emojis";
import { api, BASE, config, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { bucketKeys, fixture } from "./helpers";

const ctx = () => ({ db: db(), bucket: env.MEDIA });

interface Emoji {
  shortcode: string;
  url: string;
  static_url: string;
  visible_in_picker: boolean;
  category: string | null;
}

async function emojiRows(shortcode: string) {
  return db().select().from(customEmojis).where(eq(customEmojis.shortcode, shortcode));
}

describe("custom emoji", () => {
  it("are imported from a file, listed publicly and served from R2", async () => {
    const shortcode = uniqueName("blob");
    const row = await importCustomEmoji(ctx(), {
      fileName: `/tmp/emoji/${shortcode}.png`,
      bytes: fixture("alpha.png"),
      category: "Blobs",
    });
    expect(row).toMatchObject({ shortcode, domain: null, contentType: "image/png", category: "Blobs" });

    const res = await api("/api/v1/custom_emojis");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toMatch(/public/);
    const list = (await res.json()) as Emoji[];
    expectEntity("CustomEmoji", list, { array: true });
    const mine = list.find((e) => e.shortcode === shortcode);
    expect(mine).toMatchObject({ visible_in_picker: true, category: "Blobs" });
    expect(mine?.url).toMatch(/^http:\/\/petrel\.test\/media\/custom_emojis\//);

    const image = await SELF.fetch(mine?.url ?? "");
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(fixture("alpha.png"));
  });

  it("take an explicit shortcode, and GIF and WebP images", async () => {
    const gif = uniqueName("party");
    const webp = uniqueName("wave");
    await importCustomEmoji(ctx(), { fileName: "whatever.gif", bytes: fixture("animated.gif"), shortcode: gif });
    await importCustomEmoji(ctx(), { fileName: `${webp}.webp`, bytes: fixture("image.webp") });
    expect((await emojiRows(gif))[0]?.contentType).toBe("image/gif");
    expect((await emojiRows(webp))[0]?.contentType).toBe("image/webp");
  });

  it("refuse a wrong type, a too large file, a bad or taken shortcode, storing nothing", async () => {
    const before = (await bucketKeys()).filter((k) => k.startsWith("custom_emojis/")).length;
    const jpeg = uniqueName("photo");
    await expect(importCustomEmoji(ctx(), { fileName: `${jpeg}.png`, bytes: fixture("photo.jpg") })).rejects.toThrow(
      "Validation failed: Image content type is invalid",
    );
    const big = new Uint8Array(300 * 1024);
    big.set(fixture("alpha.png"));
    const huge = uniqueName("huge");
    await expect(importCustomEmoji(ctx(), { fileName: `${huge}.png`, bytes: big })).rejects.toThrow(
      "Validation failed: Image file size must be less than 256 KB",
    );
    for (const bad of ["a", "bad-name", "with space", "émoji"]) {
      await expect(importCustomEmoji(ctx(), { fileName: "x.png", bytes: fixture("alpha.png"), shortcode: bad })).rejects.toThrow(
        "Validation failed: Shortcode is invalid",
      );
    }
    const taken = uniqueName("taken");
    await importCustomEmoji(ctx(), { fileName: `${taken}.png`, bytes: fixture("alpha.png") });
    await expect(importCustomEmoji(ctx(), { fileName: `${taken}.png`, bytes: fixture("image.webp") })).rejects.toThrow(
      "Validation failed: Shortcode has already been taken",
    );
    expect(await emojiRows(jpeg)).toEqual([]);
    expect(await emojiRows(huge)).toEqual([]);
    expect((await emojiRows(taken)).map((r) => r.contentType)).toEqual(["image/png"]);
    // Only the one accepted import added an object.
    expect((await bucketKeys()).filter((k) => k.startsWith("custom_emojis/")).length).toBe(before + 1);
  });

  it("render in statuses and in their author's display name and bio", async () => {
    const code = uniqueName("cat");
    const other = uniqueName("dog");
    await importCustomEmoji(ctx(), { fileName: `${code}.png`, bytes: fixture("alpha.png") });
    await importCustomEmoji(ctx(), { fileName: `${other}.webp`, bytes: fixture("image.webp") });
    const alice = await createTestUser();
    const cred = await api("/api/v1/accounts/update_credentials", {
      token: alice.token,
      method: "PATCH",
      json: { display_name: `Alice :${other}:`, note: "plain bio" },
    });
    expect(cred.status).toBe(200);

    const posted = await api("/api/v1/statuses", {
      token: alice.token,
      json: { status: `hello :${code}: and :${code}: and :unknown_code: and glued:${other}:`, spoiler_text: "" },
    });
    expect(posted.status).toBe(200);
    const id = ((await posted.json()) as { id: string }).id;
    const res = await api(`/api/v1/statuses/${id}`);
    const status = (await res.json()) as { emojis: Emoji[]; account: { emojis: Emoji[] } };
    expectEntity("Status", status);
    expect(status.emojis.map((e) => e.shortcode)).toEqual([code]);
    expect(status.account.emojis.map((e) => e.shortcode)).toEqual([other]);
    expect(status.emojis[0]?.url).toMatch(/\/media\/custom_emojis\//);

    // The Account entity itself, read alone and as the signed-in user.
    const profile = (await (await api(`/api/v1/accounts/${alice.account.id}`)).json()) as { emojis: Emoji[] };
    expectEntity("Account", profile);
    expect(profile.emojis.map((e) => e.shortcode)).toEqual([other]);
    const me = (await (await api("/api/v1/accounts/verify_credentials", { token: alice.token })).json()) as { emojis: Emoji[] };
    expect(me.emojis.map((e) => e.shortcode)).toEqual([other]);

    // A page without any `:code:` gets empty lists.
    const plain = await api("/api/v1/statuses", { token: alice.token, json: { status: "no emoji here" } });
    const plainStatus = (await (await api(`/api/v1/statuses/${((await plain.json()) as { id: string }).id}`)).json()) as {
      emojis: Emoji[];
    };
    expect(plainStatus.emojis).toEqual([]);
  });

  it("federate as Emoji tags on outgoing Notes", async () => {
    const code = uniqueName("fed");
    const row = await importCustomEmoji(ctx(), { fileName: `${code}.png`, bytes: fixture("alpha.png") });
    const alice = await createTestUser();
    const posted = await api("/api/v1/statuses", { token: alice.token, json: { status: `hi :${code}:`, spoiler_text: "" } });
    const id = Number(((await posted.json()) as { id: string }).id);
    const source = await loadNoteSource(db(), config(), id);
    const note = noteObject(config(), source as NonNullable<typeof source>);
    expect(note.tag).toContainEqual({
      id: `${BASE}/emojis/${row.id}`,
      type: "Emoji",
      name: `:${code}:`,
      updated: new Date(row.updatedAt).toISOString(),
      icon: { type: "Image", mediaType: "image/png", url: `${BASE}/media/${row.imageKey}` },
    });
    // The tag's id is served as the Emoji object.
    const object = await SELF.fetch(`${BASE}/emojis/${row.id}`, { headers: { accept: "application/activity+json" } });
    expect(object.status).toBe(200);
    expect(object.headers.get("content-type")).toMatch(/^application\/activity\+json/);
    expect(await object.json()).toMatchObject({ id: `${BASE}/emojis/${row.id}`, type: "Emoji", name: `:${code}:` });
    expect((await SELF.fetch(`${BASE}/emojis/1`)).status).toBe(404);
    const tags = await emojiTagsFor(db(), config(), ["nothing here"]);
    expect(tags).toEqual([]);
  });

  it("scans text as Mastodon does", () => {
    expect(shortcodesIn("a :one: b :two::three: c:four: :five:")).toEqual(["one", "five"]);
    expect(shortcodesIn("<p>:blob_cat:</p>")).toEqual(["blob_cat"]);
    expect(shortcodesIn("no :x: single-char")).toEqual([]);
  });

  it("keep remote emoji as references per domain, served through the remote media cache", async () => {
    const domain = `${uniqueName("remote")}.example`;
    const code = uniqueName("blob");
    await storeRemoteEmojis(db(), domain, [{ shortcode: code, url: `https://${domain}/emoji/${code}.png`, id: null }]);
    // Seen again with a new image: the reference follows.
    await storeRemoteEmojis(db(), domain, [{ shortcode: code, url: `https://${domain}/emoji/${code}-2.png`, id: null }]);
    const rows = await emojiRows(code);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ domain, imageKey: null, imageRemoteUrl: `https://${domain}/emoji/${code}-2.png` });

    const lookup = await loadEmojiLookup(db(), config(), [{ domain, text: `hi :${code}:` }]);
    const [emoji] = lookup(domain, [`hi :${code}:`]);
    expect(emoji?.url).toMatch(new RegExp(`^http://petrel\\.test/media/proxy/emojis/${rows[0]?.id}/[0-9a-f]{8}$`));
    // Local text does not pick up another server's emoji.
    expect(lookup(null, [`hi :${code}:`])).toEqual([]);
    // Not listed among this server's emoji.
    const list = (await (await api("/api/v1/custom_emojis")).json()) as Emoji[];
    expect(list.some((e) => e.shortcode === code)).toBe(false);
  });
});
