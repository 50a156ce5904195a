/**
 * Real Create activities from the interop corpus (../shared/fixtures), one or more per
 * implementation, rebased onto a fresh https host and sent by a followed actor: each post is stored
 * and served through the API; the kinds Mastodon does not show are acked and store nothing.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { api, createTestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { actorIdOf, fixture, Harness, type Json, peerAt, rebase, statusIdByUri } from "./inbox-consumer-helpers";

const STORED = [
  "friendica/activity-create-note_lemmy-assets.json",
  "friendica/activity-create-page-2_lemmy-assets.json",
  "funkwhale/activity-create-audio_akkoma-fixtures.json",
  "ghost/activity-create-article-post.json",
  "ghost/activity-create-note-with-mentions.json",
  "gnusocial/activity-create-note_lemmy-assets.json",
  "gotosocial/activity-create-note.json",
  "kroeg/activity-create-note_akkoma-fixtures.json",
  "lemmy/activity-create-comment_lemmy-assets.json",
  "lemmy/activity-create-page_lemmy-assets.json",
  "lotide/activity-create-page_lemmy-assets.json",
  "mastodon/activity-create-note-contentmap_akkoma-fixtures.json",
  "mastodon/activity-create-note-hashtag_akkoma-fixtures.json",
  "mastodon/activity-create-note-with-attachment_akkoma-fixtures.json",
  "mastodon/activity-create-note-with-document-no-context_pixelfed-tests.json",
  "misskey/activity-create-note_akkoma-fixtures.json",
  "mitra/activity-create-post_lemmy-assets.json",
  "peertube/activity-create-video-framatube_akkoma-fixtures.json",
  "pleroma/activity-create-note-2018-context-id_pixelfed-tests.json",
  "pleroma/activity-create-note_lemmy-assets.json",
  "prismo/activity-create-article_akkoma-fixtures.json",
  "smithereen/activity-create-note_lemmy-assets.json",
  "wordpress-pterotype/activity-create-article_akkoma-fixtures.json",
];

/** What the converted types (Mastodon shows title, text and link) must show. */
const CONTENT: Record<string, RegExp> = {
  "lemmy/activity-create-page_lemmy-assets.json":
    /^<p><strong>test post<\/strong><\/p><p>test body<\/p>\s*<p><a href="https:\/\/fx[^"]+\/post\/1"/,
  "peertube/activity-create-video-framatube_akkoma-fixtures.json":
    /^<p><strong>Déframasoftisons Internet \[Framasoft\]<\/strong><\/p>.*<a href="https:\/\/fx[^"]+\/videos\/watch\/6050732a/s,
  "mastodon/activity-create-note-contentmap_akkoma-fixtures.json": /./,
};

/** Parsed and refused as Mastodon refuses them: acked, nothing stored. */
const NOT_STORED = [
  "pleroma/activity-create-chatmessage_akkoma-fixtures.json",
  "bookwyrm/activity-create-generatednote-shelve.json",
];

/** The fixture moved onto a fresh https host, its actor stored and followed by a local user. */
async function prepare(path: string) {
  const raw = fixture(path);
  const origin = new URL(actorIdOf(raw)).origin;
  const doc = rebase(raw, { [origin]: `https://${uniqueName("fx")}.example` });
  const p = await peerAt(actorIdOf(doc));
  const u = await createTestUser();
  await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), u.account.id, p.account.id, Date.now())
    .run();
  return { doc, p, u };
}

describe("inbox Create from the interop corpus", () => {
  for (const path of STORED) {
    it(`stores ${path}`, async () => {
      const h = new Harness();
      const { doc, p, u } = await prepare(path);
      await h.apply(doc);
      const object = doc.object as Json;
      const id = await statusIdByUri(String(object.id));
      expect(id, `${path} was not stored`).toBeTypeOf("number");
      const res = await api(`/api/v1/statuses/${id}`, { token: u.token });
      expect(res.status).toBe(200);
      const status = (await res.json()) as Json;
      expectEntity("Status", status);
      expect((status.account as Json).acct).toBe(`${p.account.username}@${p.host}`);
      expect(String(status.content).length).toBeGreaterThan(0);
      expect(String(status.content)).not.toMatch(/<script|onerror=|onclick=/i);
      const expected = CONTENT[path];
      if (expected) expect(String(status.content)).toMatch(expected);
    });
  }

  for (const path of NOT_STORED) {
    it(`acks and ignores ${path}`, async () => {
      const h = new Harness();
      const { doc } = await prepare(path);
      expect(await h.deliver(doc)).toMatchObject({ acked: true, retried: false });
      expect(await statusIdByUri(String((doc.object as Json).id))).toBeUndefined();
    });
  }
});
