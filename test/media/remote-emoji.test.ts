/** Remote custom emoji arriving by federation: stored as references, rendered on the remote post. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { create, Harness, note, peer, statusIdByUri } from "../federation/inbox-consumer-helpers";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

describe("remote custom emoji", () => {
  it("come with a post's Emoji tags and render as the post's emojis, through our media cache", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("emojis"), createTestUser()]);
    // Posts of accounts nobody here follows are not kept.
    await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(newId(), u.account.id, p.account.id, Date.now())
      .run();
    const object = note(p, {
      content: "<p>hi :blobfox: and :nope:</p>",
      extra: {
        tag: [
          {
            id: `${p.origin}/emojis/1`,
            type: "Emoji",
            name: ":blobfox:",
            icon: { type: "Image", mediaType: "image/png", url: `${p.origin}/e/blobfox.png` },
          },
          { type: "Emoji", name: ":bad-name:", icon: { type: "Image", url: `${p.origin}/e/bad.png` } },
        ],
      },
    });
    await h.apply(create(p, object));
    const id = await statusIdByUri(String(object.id));
    const res = await api(`/api/v1/statuses/${id}`);
    const status = (await res.json()) as { emojis: Array<{ shortcode: string; url: string }> };
    expectEntity("Status", status);
    expect(status.emojis.map((e) => e.shortcode)).toEqual(["blobfox"]);
    expect(status.emojis[0]?.url).toMatch(/^http:\/\/petrel\.test\/media\/proxy\/emojis\/\d+\/[0-9a-f]{8}$/);
  });
});
