/**
 * GET /api/v2/search (and the legacy /api/v1/search): accounts, hashtags, resolving URLs, and the
 * parameter checks and scopes of Mastodon's Api::V2::SearchController.
 */
import { describe, expect, it } from "vitest";
import { api, createTestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { expectError, post } from "../statuses/helpers";
import { search, setIndexable, word } from "./helpers";

describe("search: accounts and hashtags", { timeout: 30_000 }, () => {
  it("finds accounts by handle prefix and display name, and hashtags by prefix", async () => {
    const base = uniqueName("sx");
    const exact = await createTestUser({ username: base });
    const longer = await createTestUser({ username: `${base}more` });
    const me = await createTestUser();
    const tag = word("tagz");
    await post(me, `#${tag} and #${tag}long`);

    const found = await search({ q: base }, me);
    expect(found.accounts.map((a) => a.id)).toEqual([String(exact.account.id), String(longer.account.id)]);
    const byHandle = await search({ q: `@${base}`, type: "accounts" }, me);
    expect(byHandle.accounts[0]?.id).toBe(String(exact.account.id));
    expect(byHandle.hashtags).toEqual([]);
    expect(byHandle.statuses).toEqual([]);

    const tags = await search({ q: `#${tag}`, type: "hashtags" }, me);
    expect(tags.hashtags.map((t) => t.name)).toEqual([tag, `${tag}long`]);
    expect(tags.hashtags[0]?.url).toBe(`http://petrel.test/tags/${tag}`);
    expect(tags.hashtags[0]?.history).toHaveLength(7);
    expect(tags.hashtags[0]?.following).toBe(false);
    expectEntity("Tag", tags.hashtags, { array: true });
    // exclude_unreviewed keeps only the exact match (Petrel has no tag review).
    const reviewed = await search({ q: tag, type: "hashtags", exclude_unreviewed: "true" }, me);
    expect(reviewed.hashtags.map((t) => t.name)).toEqual([tag]);
    // offset pages within one type; limit caps each type.
    expect((await search({ q: tag, type: "hashtags", offset: "1" }, me)).hashtags.map((t) => t.name)).toEqual([`${tag}long`]);
    expect((await search({ q: tag, type: "hashtags", limit: "1" }, me)).hashtags.map((t) => t.name)).toEqual([tag]);
    // Anonymous: accounts and hashtags, no `following` flag on tags.
    const anon = await search({ q: tag });
    expect(anon.hashtags[0]?.following).toBeUndefined();
  });

  it("lets queries decide what is searched, as Mastodon's SearchService", async () => {
    const me = await createTestUser();
    await setIndexable(me.account.id);
    const w = word("kind");
    await post(me, `#${w} ${w}`);
    // A #tag query: no accounts; a single #word is not a full-text query either.
    const hash = await search({ q: `#${w}` }, me);
    expect(hash.accounts).toEqual([]);
    expect(hash.statuses).toEqual([]);
    expect(hash.hashtags.map((t) => t.name)).toEqual([w]);
    // An @ query: no hashtags.
    expect((await search({ q: `@${me.account.username}` }, me)).hashtags).toEqual([]);
    // Any other type finds nothing, with 200 (Mastodon's behaviour).
    expect(await search({ q: w, type: "bogus" }, me)).toEqual({ accounts: [], statuses: [], hashtags: [] });
    // limit=0 finds nothing.
    expect(await search({ q: w, limit: "0" }, me)).toEqual({ accounts: [], statuses: [], hashtags: [] });
  });

  it("with resolve, answers a local profile or status URL with that resource only", async () => {
    const author = await createTestUser();
    const stranger = await createTestUser();
    const open = await post(author, "resolve me");
    const secret = await post(author, { status: "hidden", visibility: "private" });

    const profile = await search({ q: `http://petrel.test/@${author.account.username}`, resolve: "true" }, stranger);
    expect(profile.accounts.map((a) => a.id)).toEqual([String(author.account.id)]);
    expect(profile.statuses).toEqual([]);
    const actor = await search({ q: `http://petrel.test/users/${author.account.username}`, resolve: "true" }, stranger);
    expect(actor.accounts.map((a) => a.id)).toEqual([String(author.account.id)]);

    const status = await search({ q: open.url, resolve: "true" }, stranger);
    expect(status.statuses.map((s) => s.id)).toEqual([open.id]);
    expect(status.accounts).toEqual([]);
    expect((await search({ q: open.uri, resolve: "true" }, stranger)).statuses.map((s) => s.id)).toEqual([open.id]);
    // A type that does not match the resource, an offset, or a status the viewer may not see: nothing.
    expect((await search({ q: open.url, resolve: "true", type: "accounts" }, stranger)).statuses).toEqual([]);
    expect((await search({ q: secret.url, resolve: "true" }, stranger)).statuses).toEqual([]);
    expect((await search({ q: secret.url, resolve: "true" }, author)).statuses.map((s) => s.id)).toEqual([secret.id]);
    expect((await search({ q: "https://elsewhere.example/@nobody/1", resolve: "true" }, stranger)).statuses).toEqual([]);
  });
});

describe("search: parameters and scopes", { timeout: 30_000 }, () => {
  it("refuses a missing, blank or over-long q with 400, and negative limits", async () => {
    const me = await createTestUser();
    await expectError(await api("/api/v2/search", { token: me.token }), 400, "param is missing or the value is empty: q");
    await expectError(
      await api("/api/v2/search?q=%20%20", { token: me.token }),
      400,
      "param is missing or the value is empty: q",
    );
    await expectError(
      await api(`/api/v2/search?q=${"a".repeat(1001)}`, { token: me.token }),
      400,
      "The search query is too long (maximum is 1000 characters)",
    );
    // Up to the limit it is searched like any query (also past D1's 50-byte LIKE pattern limit).
    const long = await search({ q: "a".repeat(1000) }, me);
    expect(long).toEqual({ accounts: [], statuses: [], hashtags: [] });
    await expectError(
      await api("/api/v2/search?q=x&limit=-1", { token: me.token }),
      400,
      "Pagination values for `offset` and `limit` must be positive",
    );
    await expectError(
      await api("/api/v2/search?q=x&type=accounts&offset=-5", { token: me.token }),
      400,
      "Pagination values for `offset` and `limit` must be positive",
    );
  });

  it("without a signed-in user: no offset, no resolve; with a token, read:search is needed", async () => {
    await expectError(
      await api("/api/v2/search?q=x&offset=1"),
      401,
      "Search queries pagination is not supported without authentication",
    );
    await expectError(
      await api("/api/v2/search?q=x&resolve=true"),
      401,
      "Search queries that resolve remote resources are not supported without authentication",
    );
    expect((await api("/api/v2/search?q=x")).status).toBe(200);

    const narrow = await createTestUser({ scopes: "read:accounts" });
    await expectError(
      await api("/api/v2/search?q=x", { token: narrow.token }),
      403,
      "This action is outside the authorized scopes",
    );
    const searcher = await createTestUser({ scopes: "read:search" });
    expect((await api("/api/v2/search?q=x&offset=1&type=accounts", { token: searcher.token })).status).toBe(200);
    expect((await api("/api/v2/search?q=x&offset=1", { token: `${searcher.token}x` })).status).toBe(401);
  });

  it("keeps the legacy v1 shape: hashtags as names, a signed-in user required", async () => {
    const me = await createTestUser();
    const tag = word("vone");
    await post(me, `#${tag}`);
    const body = await search({ q: tag }, me, "/api/v1/search");
    expect(body.hashtags).toEqual([tag]);
    expect(Array.isArray(body.accounts) && Array.isArray(body.statuses)).toBe(true);
    expect((await api(`/api/v1/search?q=${tag}`)).status).toBe(401);
    await expectError(await api("/api/v1/search", { token: me.token }), 400, "param is missing or the value is empty: q");
  });
});
