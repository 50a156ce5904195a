/** What the parsers read out of real peers' documents: the quirks INTEROP §1.7–1.10 names. */
import { describe, expect, it } from "vitest";
import { type Activity, parseActivity } from "../../src/federation/vocab/activity";
import { type Actor, parseActor } from "../../src/federation/vocab/actor";
import { parseCollection } from "../../src/federation/vocab/collection";
import { type Parsed, PUBLIC_COLLECTION } from "../../src/federation/vocab/json";
import { type ApObject, parseObject } from "../../src/federation/vocab/object";

const modules = import.meta.glob("../../../shared/fixtures/*/*.json", { eager: true, import: "default" });
function fixture(path: string): unknown {
  const entry = Object.entries(modules).find(([p]) => p.endsWith(`/fixtures/${path}`));
  if (!entry) throw new Error(`no fixture ${path}`);
  return entry[1];
}

function value<T>(result: Parsed<T>): T {
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

const note = (path: string): ApObject => {
  const doc = value(parseObject(fixture(path)));
  if (doc.kind !== "object") throw new Error("not an object");
  return doc;
};
const activity = (path: string): Activity => value(parseActivity(fixture(path)));
const actor = (path: string): Actor => value(parseActor(fixture(path)));

describe("objects", () => {
  it("reads Misskey and Fedibird quotes from any of the legacy properties", () => {
    expect(note("misskey/object-note-quote_akkoma-fixtures.json").quote).toBe("https://misskey.io/notes/8vs6wxufd0");
    expect(note("fedibird/object-note-quote-quoteuri_akkoma-fixtures.json").quote).toBe(
      "https://example.com/objects/43479e20-c0f8-4f49-bf7f-13fab8234924",
    );
  });

  it("takes the language from contentMap", () => {
    const n = note("mastodon/object-note-contentmap_akkoma-fixtures.json");
    expect(n.content).toBe("<p>tag</p>");
    expect(n.language).toBe("ja");
  });

  it("reads focal points, custom emoji and Mastodon's tag: conversation URIs", () => {
    expect(note("mastodon/object-note-focalpoint-docs.json").attachments[0]).toMatchObject({
      type: "Image",
      url: "https://example.com/files/cats.png",
      focalPoint: [-0.55, 0.43],
    });
    expect(note("mastodon/object-note-emoji-docs.json").tags).toEqual([
      {
        type: "Emoji",
        id: "https://example.com/emoji/123",
        shortcode: "kappa",
        url: "https://example.com/files/kappa.png",
        mediaType: "image/png",
      },
    ]);
    expect(note("mastodon/object-note-todon-eu-raw_fedify-docs.json").conversation).toMatch(/^tag:todon\.eu/);
  });

  it("picks the Person out of PeerTube's attributedTo and the text/html link out of its url list", () => {
    const video = note("peertube/object-video-peertube-social_akkoma-fixtures.json");
    expect(video.type).toBe("Video");
    expect(video.attributedTo).toBe("https://peertube.social/accounts/craigmaloney");
    expect(video.url).toBe("https://peertube.social/videos/watch/278d2b7c-0f38-4aaa-afe6-9ecc0c4a34fe");
    expect(video.icon?.url).toMatch(/thumbnails/);
  });

  it("reads polls with their counts", () => {
    const q = note("mastodon/object-question-docs.json");
    expect(q.poll).toMatchObject({ multiple: true, votersCount: 7, endTime: "2023-03-06T07:40:13.000Z" });
    expect(q.poll?.options).toEqual([
      { name: "apple", votes: 3 },
      { name: "orange", votes: 7 },
      { name: "banana", votes: 6 },
    ]);
  });

  it("normalises to/cc given as a single string", () => {
    const create = activity("gotosocial/activity-create-note-iri-only.json");
    expect(create.to).toEqual([PUBLIC_COLLECTION]);
    expect(create.object).toEqual({
      kind: "link",
      id: "http://localhost:8080/users/the_mighty_zork/statuses/01F8MHAMCHF6Y650WCRSCP4WMY",
    });
  });

  it("rejects what no peer should send", () => {
    expect(parseObject({ type: "Note", id: "javascript:alert(1)" })).toEqual({ ok: false, reason: "Note has no http(s) id" });
    expect(parseObject("https://a.example/1").ok).toBe(false);
    expect(
      parseActivity({ type: "Create", actor: "https://a.example/u", object: { type: "Person", id: "https://a.example/u" } }),
    ).toEqual({
      ok: false,
      reason: "Create of actor is not supported",
    });
  });
});

describe("activities", () => {
  it("reads Lemmy's Group announce with the wrapped Create and its Page", () => {
    const announce = activity("lemmy/activity-announce-create-page_lemmy-assets.json");
    expect(announce.actor).toBe("http://enterprise.lemmy.ml/c/main");
    if (announce.object.kind !== "activity") throw new Error("expected an embedded activity");
    const create = announce.object.activity;
    expect(create.type).toBe("Create");
    if (create.object.kind !== "object") throw new Error("expected an embedded object");
    expect(create.object.object).toMatchObject({ type: "Page", attributedTo: "http://enterprise.lemmy.ml/u/lemmy_beta" });
  });

  it("keeps an Undo of an unmodelled activity as an `other` reference", () => {
    const undo = activity("lemmy/activity-undo-lock-note_lemmy-assets.json");
    expect(undo.object.kind).toBe("other");
  });

  it("accepts GoToSocial Deletes that have no id", () => {
    const del = activity("gotosocial/activity-delete-public.json");
    expect(del.id).toBeNull();
    expect(del.objects).toEqual(["http://localhost:8080/users/admin/statuses/01F8MH75CBF9JFX4ZAD54N0W0R"]);
  });

  it("reads an actor Delete whose object is the actor itself", () => {
    const del = activity("mastodon/activity-delete-actor_akkoma-fixtures.json");
    expect(del.object.id).toBe(del.actor);
  });

  it("reads reactions: Misskey Like with _misskey_reaction, Pleroma EmojiReact", () => {
    const like = activity("misskey/activity-like-misskey-reaction_akkoma-fixtures.json");
    expect(like.misskeyReaction).toBe(":pudding:");
    expect(like.tags[0]).toMatchObject({ type: "Emoji", shortcode: "pudding" });
    const react = activity("pleroma/activity-emojireact_akkoma-fixtures.json");
    expect(react.type).toBe("EmojiReact");
    expect(react.content).toBe("👌");
  });

  it("reads Flag with every reported object, and Move with its target", () => {
    const flag = activity("mastodon/activity-flag-docs.json");
    expect(flag.objects).toHaveLength(3);
    expect(flag.content).toBe("Please take a look at this user and their posts");
    const move = activity("mastodon/activity-move-docs.json");
    expect(move.target).toBe("https://alice.com/users/109835986274379");
  });

  it("reads an inline actor object as the activity's actor", () => {
    expect(activity("kroeg/activity-announce-inline-actor_akkoma-fixtures.json").actor).toBe("https://puckipedia.com/");
  });
});

describe("actors", () => {
  it("reads a Mastodon actor: key, shared inbox, fields, images", () => {
    const a = actor("mastodon/actor-person-emelie_akkoma-fixtures.json");
    expect(a.publicKey?.id).toBe("https://mastodon.social/users/emelie#main-key");
    expect(a.sharedInbox).toBe("https://mastodon.social/inbox");
    expect(a.fields[0]?.name).toBe("Ko-fi");
    expect(a.icon?.mediaType).toBe("image/png");
    expect(a.image?.url).toMatch(/headers/);
  });

  it("reads migrations and bot types", () => {
    const moved = actor("gotosocial/actor-person-aliased-and-moved.json");
    expect(moved.movedTo).toBe("http://localhost:8080/users/1happyturtle");
    expect(moved.alsoKnownAs).toEqual(["http://localhost:8080/users/1happyturtle"]);
    expect(actor("gotosocial/actor-application-bot.json").bot).toBe(true);
    expect(actor("lemmy/actor-group_lemmy-assets.json").group).toBe(true);
  });

  it("drops alsoKnownAs entries that are handles, not actor URLs", () => {
    expect(actor("microblogpub/actor-person-invalid-aka_akkoma-fixtures.json").alsoKnownAs).toEqual([]);
  });

  it("reads PKCS#1 keys and PEMs with spaces instead of newlines as keys", () => {
    expect(actor("mobilizon/actor-person_lemmy-assets.json").publicKey?.publicKeyPem).toMatch(/BEGIN RSA PUBLIC KEY/);
    expect(actor("mastodon/actor-person-activitypub-academy_fedify-fixtures.json").publicKey?.publicKeyPem).toMatch(
      /^-----BEGIN PUBLIC KEY----- MIIB/,
    );
  });
});

describe("collections", () => {
  it("reads an embedded first page", () => {
    const featured = value(parseCollection(fixture("mastodon/collection-featured_lemmy-assets.json")));
    expect(featured.type).toBe("OrderedCollection");
    expect(featured.totalItems).not.toBeNull();
  });
});
