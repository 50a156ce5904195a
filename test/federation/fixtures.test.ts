/**
 * Every real document in ../shared/fixtures goes through our parsers. Each one either parses, or is
 * rejected for a reason listed below with why that rejection is right, so a parser change that
 * starts rejecting a real peer's document (or silently accepts a broken one) fails here.
 */
import { describe, expect, it } from "vitest";
import { parseActivity } from "../../src/federation/vocab/activity";
import { parseActor, parsePublicKeys } from "../../src/federation/vocab/actor";
import { parseCollection } from "../../src/federation/vocab/collection";
import { isObject, type Parsed } from "../../src/federation/vocab/json";
import { parseObject } from "../../src/federation/vocab/object";
import { parseWebfinger } from "../../src/federation/vocab/webfinger";

const modules = import.meta.glob("../../../shared/fixtures/**/*.json", { eager: true, import: "default" });
const fixtures = new Map<string, unknown>(
  Object.entries(modules).map(([path, doc]) => [path.replace(/^.*\/fixtures\//, ""), doc]),
);

const kindOf = (path: string) => path.split("/")[1]?.split("-")[0] ?? "";
const parsers: Record<string, (json: unknown) => Parsed<unknown>> = {
  actor: parseActor,
  object: parseObject,
  activity: parseActivity,
  collection: parseCollection,
};

const DOC_EXCERPT = "documentation excerpt showing one property; a real actor always has an inbox";
const TEMPLATE = "Bridgy Fed template: inbox, publicKey etc. are added at serve time (SOURCES.csv)";
const MASTODON_SKIPS =
  "Mastodon ignores this type too (it converts only Note, Question, Article, Page, Image, Audio, Video, Event)";

/** Rejections we stand by, with the reason the parser must give. */
const EXPECTED_REJECTIONS: Record<string, { reason: RegExp; why: string }> = {
  "activityrelay/activity-accept-follow_akkoma-fixtures.json": {
    reason: /Follow id is not an http\(s\) URL/,
    why: "the embedded Follow's id is an unfilled template `{{activity_id}}`",
  },
  "bookwyrm/activity-create-generatednote-shelve.json": { reason: /Create of \["GeneratedNote"\]/, why: MASTODON_SKIPS },
  "bookwyrm/object-comment.json": { reason: /unsupported object type \["Comment"\]/, why: MASTODON_SKIPS },
  "bookwyrm/object-edition.json": { reason: /unsupported object type \["Edition"\]/, why: "a book record, not a post" },
  "bookwyrm/object-quotation.json": { reason: /unsupported object type \["Quotation"\]/, why: MASTODON_SKIPS },
  "bookwyrm/object-work.json": { reason: /unsupported object type \["Work"\]/, why: "a book record, not a post" },
  "bridgy-fed/actor-service-ap-brid-gy.json": { reason: /no inbox/, why: TEMPLATE },
  "bridgy-fed/actor-service-bsky-brid-gy.json": { reason: /no inbox/, why: TEMPLATE },
  "bridgy-fed/actor-service-fed-brid-gy.json": { reason: /no inbox/, why: TEMPLATE },
  "fedify/actor-person-test-bob_fedify-fixtures.json": {
    reason: /no inbox/,
    why: "a key-holder stub for signature tests (read by parsePublicKeys below)",
  },
  "friendica/activity-dislike-page_lemmy-assets.json": {
    reason: /unsupported activity type \["Dislike"\]/,
    why: "Mastodon has no dislikes",
  },
  "funkwhale/activity-delete-docs-2.json": {
    reason: /Audio has no http\(s\) id/,
    why: "Funkwhale's bulk delete puts a list of upload ids in one object's `id`, which names no single object",
  },
  "funkwhale/collection-library-docs.json": {
    reason: /unsupported collection type \["Library"\]/,
    why: "a Funkwhale music library",
  },
  "funkwhale/object-album-docs.json": { reason: /unsupported object type \["Album"\]/, why: "music metadata, not a post" },
  "funkwhale/object-artist-docs.json": { reason: /unsupported object type \["Artist"\]/, why: "music metadata, not a post" },
  "funkwhale/object-track-docs.json": { reason: /unsupported object type \["Track"\]/, why: "music metadata, not a post" },
  "gotosocial/actor-person-http-sig-docs.json": {
    reason: /no inbox/,
    why: "GoToSocial's stub actor served at the keyId: a key document (read by parsePublicKeys below)",
  },
  "gotosocial/object-announce-approval-docs.json": {
    reason: /\["AnnounceApproval"\]/,
    why: "an interaction-policy stamp, not a post",
  },
  "gotosocial/object-like-approval-docs.json": { reason: /\["LikeApproval"\]/, why: "an interaction-policy stamp, not a post" },
  "gotosocial/object-like-authorization.json": {
    reason: /\["LikeAuthorization"\]/,
    why: "an interaction-policy stamp, not a post",
  },
  "gotosocial/object-reply-approval-docs.json": { reason: /\["ReplyApproval"\]/, why: "an interaction-policy stamp, not a post" },
  "gotosocial/object-note-docs.json": {
    reason: /Note has no http\(s\) id/,
    why: "documentation excerpt of a poll vote without its id; a vote without id cannot be deduplicated",
  },
  "lemmy/activity-create-private-message-0.19_lemmy-assets.json": { reason: /Create of \["ChatMessage"\]/, why: MASTODON_SKIPS },
  "lemmy/activity-dislike-page_lemmy-assets.json": { reason: /\["Dislike"\]/, why: "Mastodon has no dislikes" },
  "lemmy/activity-lock-note_lemmy-assets.json": { reason: /\["Lock"\]/, why: "Lemmy moderation; nothing to apply" },
  "lemmy/activity-lock-page_lemmy-assets.json": { reason: /\["Lock"\]/, why: "Lemmy moderation; nothing to apply" },
  "lemmy/activity-resolve-report-page_lemmy-assets.json": { reason: /\["Resolve"\]/, why: "Lemmy moderation; nothing to apply" },
  "lemmy/activity-warn_lemmy-assets.json": { reason: /\["Warn"\]/, why: "Lemmy moderation; nothing to apply" },
  "mastodon/actor-person-discoverable-docs.json": { reason: /no inbox/, why: DOC_EXCERPT },
  "mastodon/actor-person-featured-docs.json": { reason: /no inbox/, why: DOC_EXCERPT },
  "mastodon/actor-person-featuredtags-docs.json": { reason: /no inbox/, why: DOC_EXCERPT },
  "mastodon/actor-person-indexable-docs.json": { reason: /no inbox/, why: DOC_EXCERPT },
  "mastodon/actor-person-memorial-docs.json": { reason: /no inbox/, why: DOC_EXCERPT },
  "mastodon/actor-person-propertyvalue-docs.json": { reason: /no inbox/, why: DOC_EXCERPT },
  "mastodon/actor-person-publickey-docs.json": { reason: /no inbox/, why: `${DOC_EXCERPT} (its key is read below)` },
  "mastodon/actor-person-suspended-docs.json": { reason: /no inbox/, why: DOC_EXCERPT },
  "mbin/activity-create-chatmessage-direct.json": { reason: /Create of \["ChatMessage"\]/, why: MASTODON_SKIPS },
  "mbin/activity-lock-entry-by-moderator.json": { reason: /\["Lock"\]/, why: "Lemmy-style moderation; nothing to apply" },
  "mitra/object-emoji.json": { reason: /\["Emoji"\]/, why: "a custom emoji document, read as a tag, not a post" },
  "pixelfed/object-story.json": { reason: /\["Story"\]/, why: "ephemeral Pixelfed stories; Mastodon ignores them" },
  "pleroma/activity-create-chatmessage-docs.json": { reason: /Create of \["ChatMessage"\]/, why: MASTODON_SKIPS },
  "pleroma/activity-create-chatmessage_akkoma-fixtures.json": { reason: /Create of \["ChatMessage"\]/, why: MASTODON_SKIPS },
  "pleroma/object-chat-message_lemmy-assets.json": { reason: /\["ChatMessage"\]/, why: MASTODON_SKIPS },
};

/**
 * Mbin's outbox snapshots had every id and date replaced by the snapshot driver (SOURCES.csv). As
 * stored they are rightly rejected (an id must be a URL); with the placeholders filled in, their
 * shapes must parse like any other peer's.
 */
const SCRUBBED = /^mbin\/activity-.*(?<!_lemmy-assets)\.json$/;
function unscrub(doc: unknown): unknown {
  let n = 0;
  const walk = (v: unknown): unknown => {
    if (v === "SCRUBBED_ID") return `https://mbin.test/scrubbed/${++n}`;
    if (v === "SCRUBBED_DATE") return "2024-01-01T00:00:00+00:00";
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(doc);
}

describe("fixture corpus", () => {
  it("loads every fixture document through import.meta.glob", () => {
    expect(fixtures.size).toBeGreaterThan(400);
    expect([...fixtures.keys()].filter((p) => p.startsWith("signatures/")).length).toBeGreaterThan(30);
  });

  const documents = [...fixtures.entries()].filter(([path]) => kindOf(path) in parsers);

  it.each(documents.map(([path]) => path))("%s parses, or is rejected for its listed reason", (path) => {
    const parser = parsers[kindOf(path)];
    if (!parser) throw new Error(`no parser for ${path}`);
    let doc = fixtures.get(path);
    if (SCRUBBED.test(path) && JSON.stringify(doc).includes("SCRUBBED_")) {
      const raw = parser(doc);
      expect(raw.ok, "scrubbed ids are not URLs").toBe(false);
      doc = unscrub(doc);
    }
    const result = parser(doc);
    const expected = EXPECTED_REJECTIONS[path];
    if (expected) {
      expect(result.ok, `${path} should be rejected: ${expected.why}`).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(expected.reason);
    } else {
      expect(result.ok ? "ok" : result.reason).toBe("ok");
    }
  });

  it("lists only rejections of documents that exist", () => {
    for (const path of Object.keys(EXPECTED_REJECTIONS)) expect(fixtures.has(path), path).toBe(true);
  });

  it.each([...fixtures.keys()].filter((p) => kindOf(p) === "webfinger"))("webfinger %s names its ActivityPub actor", (path) => {
    const result = parseWebfinger(fixtures.get(path));
    if (path === "gnusocial/webfinger-winterdienst_akkoma-fixtures.json") {
      // GNU social answers with OStatus links only: there is no actor to follow.
      expect(result.ok).toBe(false);
      return;
    }
    expect(result.ok ? "ok" : result.reason).toBe("ok");
  });

  it.each([...fixtures.keys()].filter((p) => kindOf(p) === "nodeinfo"))("nodeinfo %s has links or a software name", (path) => {
    const doc = fixtures.get(path);
    if (!isObject(doc)) throw new Error("not an object");
    if (Array.isArray(doc.links)) {
      expect(doc.links.some((l) => isObject(l) && String(l.rel).startsWith("http://nodeinfo.diaspora.software/ns/schema/"))).toBe(
        true,
      );
    } else {
      expect(isObject(doc.software) && typeof doc.software.name === "string").toBe(true);
    }
  });
});

describe("key documents", () => {
  it("reads keys from full actors, key stubs and key arrays, with the owner", () => {
    const stub = parsePublicKeys(fixtures.get("gotosocial/actor-person-http-sig-docs.json"));
    expect(stub).toEqual([
      expect.objectContaining({
        id: "https://example.org/users/example_user/main-key",
        owner: "https://example.org/users/example_user",
      }),
    ]);
    const bob = parsePublicKeys(fixtures.get("fedify/actor-person-test-bob_fedify-fixtures.json"));
    expect(bob[0]?.id).toBe("https://remote.domain/users/bob#main-key");
    const key = parsePublicKeys({
      id: "https://a.example/key",
      type: "CryptographicKey",
      owner: "https://a.example/users/a",
      publicKeyPem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
    });
    expect(key).toEqual([{ id: "https://a.example/key", owner: "https://a.example/users/a", publicKeyPem: expect.any(String) }]);
  });
});
