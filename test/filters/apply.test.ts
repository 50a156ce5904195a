import { describe, expect, it } from "vitest";
import { serializeAccount } from "../../src/entities/account";
import type { MastodonStatus } from "../../src/entities/status";
import { applyFilters, htmlToText, loadActiveFilters, matchFilters } from "../../src/services/filters";
import { config, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { type Json, ok, rows } from "../lists/helpers";

let next = 1000;

/** A Status entity as the timelines serialize it for a signed-in viewer. */
function status(author: TestUser, fields: Partial<MastodonStatus> = {}): MastodonStatus {
  next += 1;
  return {
    id: String(next),
    uri: `https://petrel.test/users/x/statuses/${next}`,
    url: null,
    created_at: new Date().toISOString(),
    edited_at: null,
    account: serializeAccount(config(), author.account),
    content: "<p>nothing to see</p>",
    visibility: "public",
    sensitive: false,
    spoiler_text: "",
    media_attachments: [],
    mentions: [],
    tags: [],
    emojis: [],
    reblogs_count: 0,
    favourites_count: 0,
    replies_count: 0,
    reblog: null,
    poll: null,
    card: null,
    application: null,
    language: "en",
    in_reply_to_id: null,
    in_reply_to_account_id: null,
    filtered: [],
    favourited: false,
    reblogged: false,
    muted: false,
    bookmarked: false,
    ...fields,
  };
}

async function filter(user: TestUser, json: Json): Promise<Json> {
  return ok("/api/v2/filters", user.token, "POST", { context: ["home"], ...json });
}

const ids = (list: MastodonStatus[]) => list.map((s) => s.id);
const firstResult = (s: MastodonStatus | null | undefined) => (s?.filtered as Json[] | undefined)?.[0];

describe("applyFilters", () => {
  it("marks statuses a warn filter matches with a FilterResult and leaves the rest alone", async () => {
    const viewer = await createTestUser();
    const author = await createTestUser();
    const created = await filter(viewer, { title: "Sports", keywords_attributes: [{ keyword: "football", whole_word: false }] });
    const active = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    const hit = status(author, { content: "<p>Big <strong>FOOTBALL</strong> match</p>" });
    const miss = status(author);
    const out = applyFilters([hit, miss], active, "home");
    expect(ids(out)).toEqual([hit.id, miss.id]);
    expect(out[1]).toBe(miss);
    const [result] = (out[0]?.filtered ?? []) as Json[];
    expectEntity("FilterResult", result);
    expect(result).toEqual({
      filter: { id: created.id, title: "Sports", context: ["home"], expires_at: null, filter_action: "warn" },
      keyword_matches: ["FOOTBALL"],
      status_matches: null,
    });
    expectEntity("Status", out[0]);
    // The input is not changed in place.
    expect(hit.filtered).toEqual([]);
  });

  it("drops statuses a hide filter matches, but never the viewer's own", async () => {
    const viewer = await createTestUser();
    const author = await createTestUser();
    await filter(viewer, { title: "Hidden", filter_action: "hide", keywords_attributes: [{ keyword: "secret" }] });
    const active = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    const theirs = status(author, { content: "<p>a secret</p>" });
    const mine = status(viewer, { content: "<p>my secret</p>" });
    const plain = status(author);
    const out = applyFilters([theirs, mine, plain], active, "home");
    expect(ids(out)).toEqual([mine.id, plain.id]);
    expect(firstResult(out[0])?.filter).toMatchObject({ filter_action: "hide" });
  });

  it("matches whole words at Unicode word boundaries, as Ruby's \\b does", async () => {
    const viewer = await createTestUser();
    const author = await createTestUser();
    await filter(viewer, {
      title: "Words",
      keywords_attributes: [
        { keyword: "cat", whole_word: true },
        { keyword: "über", whole_word: true },
        { keyword: "#tag", whole_word: true },
      ],
    });
    const active = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    const matched = (content: string) => matchFilters(status(author, { content }), active, "home")[0]?.keyword_matches ?? null;
    expect(matched("<p>concatenate</p>")).toBeNull();
    expect(matched("<p>cats</p>")).toBeNull();
    expect(matched("<p>my Cat!</p>")).toEqual(["Cat"]);
    expect(matched("<p>cat_</p>")).toBeNull();
    expect(matched("<p>écat</p>")).toBeNull();
    expect(matched("<p>Überall</p>")).toBeNull();
    expect(matched("<p>das ÜBER, ja</p>")).toEqual(["ÜBER"]);
    // A keyword that begins with a non-word character has no boundary at that end.
    expect(matched("<p>x#tag</p>")).toEqual(["#tag"]);
    expect(matched("<p>#tags</p>")).toBeNull();
  });

  it("matches substrings when not whole-word, with regex characters taken literally", async () => {
    const viewer = await createTestUser();
    const author = await createTestUser();
    await filter(viewer, {
      title: "Parts",
      keywords_attributes: [
        { keyword: "cat", whole_word: false },
        { keyword: "a.b*", whole_word: false },
      ],
    });
    const active = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    const matched = (content: string) => matchFilters(status(author, { content }), active, "home")[0]?.keyword_matches ?? null;
    expect(matched("<p>conCATenate</p>")).toEqual(["CAT"]);
    expect(matched("<p>a.b*</p>")).toEqual(["a.b*"]);
    expect(matched("<p>axbb</p>")).toBeNull();
  });

  it("searches the content warning, the text without HTML, poll options and media descriptions", async () => {
    const viewer = await createTestUser();
    const author = await createTestUser();
    await filter(viewer, {
      title: "Everywhere",
      keywords_attributes: [
        { keyword: "warned" },
        { keyword: "fish & chips" },
        { keyword: "pollword" },
        { keyword: "alttext" },
        { keyword: "https://example.com/path" },
      ],
    });
    const active = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    const first = (fields: Partial<MastodonStatus>) => matchFilters(status(author, fields), active, "home")[0]?.keyword_matches;
    expect(first({ spoiler_text: "Warned you" })).toEqual(["Warned"]);
    expect(first({ content: "<p>I like fish &amp; chips</p>" })).toEqual(["fish & chips"]);
    const poll = {
      id: "1",
      expires_at: null,
      expired: false,
      multiple: false,
      votes_count: 0,
      voters_count: 0,
      options: [{ title: "pollword", votes_count: 0 }],
      emojis: [],
    };
    expect(first({ poll: poll as unknown as MastodonStatus["poll"] })).toEqual(["pollword"]);
    const media = {
      id: "1",
      type: "image",
      description: "AltText here",
    } as unknown as MastodonStatus["media_attachments"][number];
    expect(first({ media_attachments: [media] })).toEqual(["AltText"]);
    const link =
      '<p><a href="https://example.com/path"><span class="invisible">https://</span><span>example.com/path</span></a></p>';
    expect(first({ content: link })).toEqual(["https://example.com/path"]);
    expect(htmlToText("<p>a<br />b</p><p>c &#39;d&#x27; &lt;e&gt;</p>")).toBe("a\nb\n\nc 'd' <e>");
  });

  it("matches filtered statuses and boosts of them, marking the boost and what it boosts", async () => {
    const viewer = await createTestUser();
    const author = await createTestUser();
    const booster = await createTestUser();
    const original = await ok("/api/v1/statuses", author.token, "POST", { status: "plain words" });
    const created = await filter(viewer, { title: "That one" });
    await ok(`/api/v2/filters/${created.id}/statuses`, viewer.token, "POST", { status_id: original.id });
    const active = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    const inner = status(author, { id: String(original.id), content: "<p>plain words</p>" });
    const boost = status(booster, { reblog: inner, content: "" });
    const [direct, boosted] = applyFilters([inner, boost], active, "home");
    expect(firstResult(direct)).toMatchObject({ status_matches: [original.id], keyword_matches: null });
    expect(firstResult(boosted)).toMatchObject({ status_matches: [original.id] });
    expect(firstResult(boosted?.reblog)).toMatchObject({ status_matches: [original.id] });
    // Keyword matches on a boost look at the boosted status's text.
    await ok(`/api/v2/filters/${created.id}/keywords`, viewer.token, "POST", { keyword: "plain" });
    const again = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    expect(matchFilters(boost, again, "home")[0]?.keyword_matches).toEqual(["plain"]);
  });

  it("ignores expired filters and filters of other contexts", async () => {
    const viewer = await createTestUser();
    const author = await createTestUser();
    const expiring = await filter(viewer, { title: "Soon", expires_in: 60, keywords_attributes: [{ keyword: "soon" }] });
    await filter(viewer, { title: "Public only", context: ["public"], keywords_attributes: [{ keyword: "elsewhere" }] });
    const s = status(author, { content: "<p>soon elsewhere</p>" });

    const now = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    expect(matchFilters(s, now, "home").map((r) => r.filter.id)).toEqual([expiring.id]);
    // Loaded before expiry, applied after it (a long request): not applied either.
    expect(matchFilters(s, { ...now, now: Date.now() + 120_000 }, "home")).toEqual([]);
    const later = await loadActiveFilters(db(), viewer.account.id, "home", Date.now() + 120_000);
    expect(later.filters).toEqual([]);
    expect(applyFilters([s], later, "home")[0]).toBe(s);

    const pub = await loadActiveFilters(db(), viewer.account.id, "public", Date.now());
    expect(matchFilters(s, pub, "public").map((r) => r.filter.title)).toEqual(["Public only"]);
    // A set loaded for one context applies nothing in another.
    expect(matchFilters(s, pub, "home")).toEqual([]);
    // Expired filters are still listed by the API.
    await rows("UPDATE custom_filters SET expires_at = ? WHERE id = ?", Date.now() - 1000, Number(expiring.id));
    expect((await ok<Json[]>("/api/v2/filters", viewer.token)).map((f) => f.title)).toEqual(["Soon", "Public only"]);
  });

  it("returns the same array when the viewer has no filters", async () => {
    const viewer = await createTestUser();
    const author = await createTestUser();
    const active = await loadActiveFilters(db(), viewer.account.id, "home", Date.now());
    const list = [status(author)];
    expect(applyFilters(list, active, "home")).toBe(list);
  });
});
