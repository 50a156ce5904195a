/**
 * Full-text status search (type=statuses) with Mastodon 4.x semantics: what the viewer wrote, was
 * mentioned in, favourited, boosted or bookmarked, plus public statuses of indexable accounts; the
 * FTS5 index follows posts, edits and deletions.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectError, post } from "../statuses/helpers";
import { search, setIndexable, statusIds, word } from "./helpers";

describe("status search", { timeout: 30_000 }, () => {
  it("finds public statuses of indexable accounts, and never private or direct ones of others", async () => {
    const author = await createTestUser();
    const reader = await createTestUser();
    const mentioned = await createTestUser();
    const w = word("vis");
    const open = await post(author, `${w} out in the open`);
    const unlisted = await post(author, { status: `${w} unlisted`, visibility: "unlisted" });
    const secret = await post(author, { status: `${w} followers only`, visibility: "private" });
    const dm = await post(author, { status: `${w} @${mentioned.account.username} direct`, visibility: "direct" });

    // Not indexable: others find nothing, the author finds all of their own.
    expect(await statusIds(w, reader)).toEqual([]);
    expect(await statusIds(w, author)).toEqual([dm.id, secret.id, unlisted.id, open.id]);
    // Mentioned in the direct one: the recipient finds that one.
    expect(await statusIds(w, mentioned)).toEqual([dm.id]);

    await setIndexable(author.account.id);
    expect(await statusIds(w, reader)).toEqual([open.id]);
    // Following the author does not make private statuses searchable (Mastodon's searchable_by).
    expect((await api(`/api/v1/accounts/${author.account.id}/follow`, { token: reader.token, method: "POST" })).status).toBe(200);
    expect(await statusIds(w, reader)).toEqual([open.id]);

    // Anonymous searches never include statuses.
    expect((await search({ q: w })).statuses).toEqual([]);
  });

  it("finds statuses the viewer favourited, bookmarked or boosted (in:library), not those they only could see", async () => {
    const author = await createTestUser();
    const me = await createTestUser();
    const w = word("lib");
    const faved = await post(author, { status: `${w} faved`, visibility: "unlisted" });
    const marked = await post(author, { status: `${w} marked`, visibility: "unlisted" });
    const boosted = await post(author, { status: `${w} boosted`, visibility: "public" });
    await post(author, { status: `${w} untouched`, visibility: "unlisted" });
    for (const [id, action] of [
      [faved.id, "favourite"],
      [marked.id, "bookmark"],
      [boosted.id, "reblog"],
    ]) {
      expect((await api(`/api/v1/statuses/${id}/${action}`, { token: me.token, method: "POST" })).status).toBe(200);
    }
    expect(await statusIds(w, me)).toEqual([boosted.id, marked.id, faved.id]);
    await setIndexable(author.account.id);
    expect(await statusIds(`${w} in:library`, me)).toEqual([boosted.id, marked.id, faved.id]);
    expect(await statusIds(`${w} in:public`, me)).toEqual([boosted.id]);
  });

  it("leaves out authors the viewer blocks or mutes", async () => {
    const author = await createTestUser();
    const me = await createTestUser();
    await setIndexable(author.account.id);
    const w = word("blk");
    const s = await post(author, `${w} hello`);
    expect(await statusIds(w, me)).toEqual([s.id]);
    expect((await api(`/api/v1/accounts/${author.account.id}/mute`, { token: me.token, method: "POST" })).status).toBe(200);
    expect(await statusIds(w, me)).toEqual([]);
  });

  it("follows edits and deletions, and ignores case and accents", async () => {
    const author = await createTestUser();
    const before = word("old");
    const after = word("new");
    const s = await post(author, `${before} Café`);
    expect(await statusIds(before, author)).toEqual([s.id]);
    expect(await statusIds("cafe", author, { account_id: String(author.account.id) })).toEqual([s.id]);
    expect(await statusIds(before.toUpperCase(), author)).toEqual([s.id]);

    const edited = await api(`/api/v1/statuses/${s.id}`, {
      token: author.token,
      method: "PUT",
      json: { status: `${after} text` },
    });
    expect(edited.status).toBe(200);
    expect(await statusIds(before, author)).toEqual([]);
    expect(await statusIds(after, author)).toEqual([s.id]);

    // Deleting the row (whatever path deletes it) takes it out of the index.
    await env.DB.prepare("DELETE FROM statuses WHERE id = ?").bind(Number(s.id)).run();
    expect(await statusIds(after, author)).toEqual([]);
  });

  it("matches all words and phrases, excludes -words, and applies from:, is:, has: and dates", async () => {
    const me = await createTestUser();
    const other = await createTestUser();
    await setIndexable(other.account.id);
    const w = word("ops");
    const a = await post(me, `${w} red apple`);
    const b = await post(me, `${w} green apple`);
    const reply = await post(me, { status: `${w} apple reply`, in_reply_to_id: a.id });
    const theirs = await post(other, `${w} red apple too`);

    expect(await statusIds(`${w} red`, me)).toEqual([theirs.id, a.id]);
    expect(await statusIds(`${w} "green apple"`, me)).toEqual([b.id]);
    expect(await statusIds(`${w} "apple green"`, me)).toEqual([]);
    expect(await statusIds(`${w} apple -red`, me)).toEqual([reply.id, b.id]);
    expect(await statusIds(`${w} from:${other.account.username}`, me)).toEqual([theirs.id]);
    expect(await statusIds(`${w} from:me`, me)).toEqual([reply.id, b.id, a.id]);
    expect(await statusIds(`${w} -from:me`, me)).toEqual([theirs.id]);
    expect(await statusIds(`${w} is:reply`, me)).toEqual([reply.id]);
    expect(await statusIds(`${w} has:poll`, me)).toEqual([]);
    expect(await statusIds(`${w} before:2001-01-01`, me)).toEqual([]);
    expect(await statusIds(`${w} after:2001-01-01`, me)).toEqual([theirs.id, reply.id, b.id, a.id]);

    // account_id narrows to one author; offset and limit page within the results; max_id/min_id bound them.
    expect(await statusIds(w, me, { account_id: String(other.account.id) })).toEqual([theirs.id]);
    expect(await statusIds(w, me, { limit: "2", offset: "1" })).toEqual([reply.id, b.id]);
    expect(await statusIds(w, me, { max_id: reply.id, min_id: a.id })).toEqual([b.id]);
  });

  it("answers Mastodon's errors for bad query syntax and unknown authors", async () => {
    const me = await createTestUser();
    const w = word("syn");
    await expectError(
      await api(`/api/v2/search?q=${w}%20nonsense:value&type=statuses`, { token: me.token }),
      422,
      "Unprocessable entity",
    );
    await expectError(
      await api(`/api/v2/search?q=${w}%20before:yesterday&type=statuses`, { token: me.token }),
      422,
      "Unprocessable entity",
    );
    await expectError(
      await api(`/api/v2/search?q=${w}%20from:nobody${w}&type=statuses`, { token: me.token }),
      404,
      "Record not found",
    );
    // Punctuation alone is no query for the index, and finds nothing rather than failing.
    expect(await statusIds('!!! "" ***', me)).toEqual([]);
  });
});
