import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { block, count, expectError, follow, mute, ok, value } from "../statuses/helpers";
import { type QuoteStatus, quote, quoteOf, say } from "./helpers";

const NOT_FOUND = "The post you are trying to quote does not appear to exist.";

describe("POST /api/v1/statuses with quoted_status_id", () => {
  it("quotes a public status: accepted, the quoted status inside, counted, the author notified", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "quote me");
    const q = await quote(bob, original.id, "look at this");
    const inner = quoteOf(q);
    expect(inner.state).toBe("accepted");
    expect(inner.quoted_status?.id).toBe(original.id);
    expect(inner.quoted_status?.quote).toBeNull();
    expect(q.quote_approval).toEqual({ automatic: ["public"], manual: [], current_user: "automatic" });

    expect(await value("SELECT state FROM quotes WHERE status_id = ?", Number(q.id))).toBe("accepted");
    const again = await ok<QuoteStatus>(`/api/v1/statuses/${original.id}`, alice);
    expect(again.quotes_count).toBe(1);
    expect(
      await count(
        "SELECT 1 FROM notifications WHERE type = 'quote' AND account_id = ? AND status_id = ?",
        alice.account.id,
        Number(q.id),
      ),
    ).toBe(1);
    const notifications = await ok<Array<{ type: string; status: { id: string } }>>("/api/v1/notifications?types[]=quote", alice);
    expect(notifications.map((n) => [n.type, n.status.id])).toEqual([["quote", q.id]]);
    expectEntity("Notification", notifications, { array: true });

    // Read back through hydration (as any viewer, and anonymously).
    for (const viewer of [bob, alice, undefined]) {
      const read = await ok<QuoteStatus>(`/api/v1/statuses/${q.id}`, viewer);
      expectEntity("Status", read);
      expect(quoteOf(read)).toMatchObject({ state: "accepted", quoted_status: { id: original.id } });
    }
  });

  it("nests one level: the quoted status's own quote is a ShallowQuote", async () => {
    const alice = await createTestUser();
    const first = await say(alice, "first");
    const second = await quote(alice, first.id, "second");
    const third = await quote(alice, second.id, "third");
    expect(quoteOf(third).quoted_status?.quote).toEqual({ state: "accepted", quoted_status_id: first.id });
    const read = await ok<QuoteStatus>(`/api/v1/statuses/${third.id}`, alice);
    expectEntity("Status", read);
    expect(quoteOf(read).quoted_status?.quote).toEqual({ state: "accepted", quoted_status_id: first.id });
  });

  it("quoting a boost quotes the boosted status", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "boost me");
    const boost = await ok(`/api/v1/statuses/${original.id}/reblog`, bob, "POST");
    const q = await quote(bob, boost.id, "via a boost");
    expect(quoteOf(q).quoted_status?.id).toBe(original.id);
  });

  it("takes quote_approval_policy, defaults it from the user's preference, forces nobody for private", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const followers = await say(alice, { status: "followers only", quote_approval_policy: "followers" });
    expect(followers.quote_approval).toEqual({ automatic: ["followers"], manual: [], current_user: "automatic" });
    const nobody = await say(alice, { status: "nobody", quote_approval_policy: "nobody" });
    expect(nobody.quote_approval).toEqual({ automatic: [], manual: [], current_user: "automatic" });
    const priv = await say(alice, { status: "private", visibility: "private", quote_approval_policy: "public" });
    expect(priv.quote_approval?.automatic).toEqual([]);

    // Bob doesn't follow alice: denied on the followers-only one until he does.
    const seen = await ok<QuoteStatus>(`/api/v1/statuses/${followers.id}`, bob);
    expect(seen.quote_approval?.current_user).toBe("denied");
    await expectError(
      await api("/api/v1/statuses", { token: bob.token, json: { status: "x", quoted_status_id: followers.id } }),
      404,
      NOT_FOUND,
    );
    await follow(bob, alice);
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${followers.id}`, bob)).quote_approval?.current_user).toBe("automatic");
    expect(quoteOf(await quote(bob, followers.id, "now I may")).state).toBe("accepted");
    // Nobody: denied for everyone else, allowed for the author.
    await expectError(
      await api("/api/v1/statuses", { token: bob.token, json: { status: "x", quoted_status_id: nobody.id } }),
      404,
      NOT_FOUND,
    );
    expect(quoteOf(await quote(alice, nobody.id, "self")).state).toBe("accepted");
    // Anonymous viewers are always denied.
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${followers.id}`)).quote_approval?.current_user).toBe("denied");

    // The preference sets the default.
    const res = await api("/api/v1/accounts/update_credentials", {
      token: alice.token,
      method: "PATCH",
      json: { source: { quote_policy: "nobody" } },
    });
    expect(res.status).toBe(200);
    expect((await say(alice, "default now nobody")).quote_approval?.automatic).toEqual([]);
  });

  it("refuses an unknown policy with Mastodon's bare 422 and writes nothing", async () => {
    const alice = await createTestUser();
    const before = await count("SELECT 1 FROM statuses WHERE account_id = ?", alice.account.id);
    await expectError(
      await api("/api/v1/statuses", { token: alice.token, json: { status: "x", quote_approval_policy: "everyone" } }),
      422,
      "Record invalid",
    );
    expect(await count("SELECT 1 FROM statuses WHERE account_id = ?", alice.account.id)).toBe(before);
  });

  it("refuses unknown ids, others' private and direct statuses, and blocks either way, with 404", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await follow(bob, alice);
    const priv = await say(alice, { status: "private", visibility: "private" });
    const dm = await say(alice, { status: `@${bob.account.username} hi`, visibility: "direct" });
    const pub = await say(alice, "public");
    const post = (user: typeof bob, id: string) =>
      api("/api/v1/statuses", { token: user.token, json: { status: "x", quoted_status_id: id } });
    await expectError(await post(bob, "123456789"), 404, NOT_FOUND);
    await expectError(await post(bob, "nonsense"), 404, NOT_FOUND);
    await expectError(await post(bob, priv.id), 404, NOT_FOUND);
    await expectError(await post(bob, dm.id), 404, NOT_FOUND);
    // Her own direct status neither (the policy denies direct); her own private one she may.
    await expectError(await post(alice, dm.id), 404, NOT_FOUND);
    const own = await quote(alice, priv.id, "me again");
    // A public quote of a private status is made private.
    expect(own.visibility).toBe("private");

    const carol = await createTestUser();
    await block(alice, carol);
    await expectError(await post(carol, pub.id), 404, NOT_FOUND);
    const dave = await createTestUser();
    await block(dave, alice);
    await expectError(await post(dave, pub.id), 404, NOT_FOUND);
    expect(
      await count("SELECT 1 FROM quotes WHERE quoted_status_id IN (?, ?, ?)", Number(priv.id), Number(dm.id), Number(pub.id)),
    ).toBe(1);
  });

  it("a direct quote must mention the quoted author; the quoted author may see a private quote", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "quote me");
    const before = await count("SELECT 1 FROM statuses WHERE account_id = ?", bob.account.id);
    await expectError(
      await api("/api/v1/statuses", {
        token: bob.token,
        json: { status: "psst", visibility: "direct", quoted_status_id: original.id },
      }),
      422,
      "Validation failed: Cannot quote a non-mentioned user in a Private Mention post.",
    );
    expect(await count("SELECT 1 FROM statuses WHERE account_id = ?", bob.account.id)).toBe(before);
    const dm = await quote(bob, original.id, `@${alice.account.username} psst`, { visibility: "direct" });
    expect(quoteOf(dm).state).toBe("accepted");
    // Quote#ensure_quoted_access: a silent mention lets alice see bob's followers-only quote.
    const priv = await quote(bob, original.id, "followers only", { visibility: "private" });
    expect(priv.mentions).toEqual([]);
    const seen = await ok<QuoteStatus>(`/api/v1/statuses/${priv.id}`, alice);
    expect(quoteOf(seen).quoted_status?.id).toBe(original.id);
    expect(
      await value("SELECT silent FROM mentions WHERE status_id = ? AND account_id = ?", Number(priv.id), alice.account.id),
    ).toBe(1);
    expect(
      await value("SELECT silent FROM mentions WHERE status_id = ? AND account_id = ?", Number(dm.id), alice.account.id),
    ).toBe(0);
  });

  it("shows the viewer's relations to the quoted author as Mastodon's states", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const viewer = await createTestUser();
    const original = await say(alice, "quoted");
    const q = await quote(bob, original.id, "quoting");
    await mute(viewer, alice);
    let read = await ok<QuoteStatus>(`/api/v1/statuses/${q.id}`, viewer);
    expectEntity("Status", read);
    expect(quoteOf(read)).toMatchObject({ state: "muted_account", quoted_status: { id: original.id } });
    await block(viewer, alice);
    read = await ok<QuoteStatus>(`/api/v1/statuses/${q.id}`, viewer);
    expect(quoteOf(read)).toMatchObject({ state: "blocked_account", quoted_status: { id: original.id } });
    // Blocked by the quoted author: not shown at all.
    const other = await createTestUser();
    await block(alice, other);
    read = await ok<QuoteStatus>(`/api/v1/statuses/${q.id}`, other);
    expectEntity("Status", read);
    expect(quoteOf(read)).toEqual({ state: "unauthorized", quoted_status: null });
  });

  it("reports a deleted quoted status as deleted", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "soon gone");
    const q = await quote(bob, original.id, "quoting");
    expect((await api(`/api/v1/statuses/${original.id}`, { token: alice.token, method: "DELETE" })).status).toBe(200);
    const read = await ok<QuoteStatus>(`/api/v1/statuses/${q.id}`, bob);
    expectEntity("Status", read);
    expect(quoteOf(read)).toEqual({ state: "deleted", quoted_status: null });
    expect(await value("SELECT state FROM quotes WHERE status_id = ?", Number(q.id))).toBe("deleted");
    // Deleting the quote removes its row.
    expect((await api(`/api/v1/statuses/${q.id}`, { token: bob.token, method: "DELETE" })).status).toBe(200);
    expect(await count("SELECT 1 FROM quotes WHERE status_id = ?", Number(q.id))).toBe(0);
  });
});
