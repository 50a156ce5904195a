import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { fixture, upload } from "./helpers";

async function uploaded(token: string, description: string): Promise<string> {
  const res = await upload(token, { bytes: fixture("photo.jpg"), name: "photo.jpg", type: "image/jpeg" }, { description });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

describe("statuses with media", () => {
  it("attach uploads in order, keep their description and show them to readers", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const first = await uploaded(alice.token, "first photo");
    const second = await uploaded(alice.token, "second photo");

    const res = await api("/api/v1/statuses", { token: alice.token, json: { status: "", media_ids: [second, first] } });
    expect(res.status).toBe(200);
    const status = (await res.json()) as { id: string; media_attachments: Array<{ id: string; description: string }> };
    expectEntity("Status", status);
    expect(status.media_attachments.map((m) => [m.id, m.description])).toEqual([
      [second, "second photo"],
      [first, "first photo"],
    ]);

    const read = await api(`/api/v1/statuses/${status.id}`, { token: bob.token });
    const seen = (await read.json()) as { media_attachments: Array<{ id: string; url: string; type: string }> };
    expectEntity("Status", seen);
    expect(seen.media_attachments.map((m) => m.id)).toEqual([second, first]);
    expect(seen.media_attachments[0]?.type).toBe("image");
    expect(seen.media_attachments[0]?.url).toMatch(/^http:\/\/petrel\.test\/media\//);
  });

  it("refuses someone else's media, media already attached, and media with a poll, creating nothing", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const mine = await uploaded(alice.token, "mine");
    const theirs = await uploaded(bob.token, "theirs");
    const count = async () =>
      ((await (await api(`/api/v1/accounts/${alice.account.id}`)).json()) as { statuses_count: number }).statuses_count;

    const other = await api("/api/v1/statuses", { token: alice.token, json: { status: "x", media_ids: [theirs] } });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: string }).error).toBe(
      `Media ${theirs} not found or already attached to another post`,
    );

    const withPoll = await api("/api/v1/statuses", {
      token: alice.token,
      json: { status: "x", media_ids: [mine], poll: { options: ["a", "b"], expires_in: 3600 } },
    });
    expect(withPoll.status).toBe(422);
    expect(await count()).toBe(0);

    expect((await api("/api/v1/statuses", { token: alice.token, json: { status: "ok", media_ids: [mine] } })).status).toBe(200);
    const again = await api("/api/v1/statuses", { token: alice.token, json: { status: "again", media_ids: [mine] } });
    expect(again.status).toBe(422);
    expect(await count()).toBe(1);
  });
});
