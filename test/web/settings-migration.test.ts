/**
 * Settings → Move to a different account: Mastodon's AccountMigration checks, then `moved_to`, the
 * actor's Update with `movedTo` and a Move to the followers' servers, local followers moved through
 * FANOUT `account.moved`, `moved` on the account endpoints, the 30-day cooldown and "cancel redirect".
 */
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { Account } from "../../src/db/schema";
import { accounts } from "../../src/db/schema";
import { drainEventOutbox } from "../../src/queue/event-outbox";
import { addAlias } from "../../src/services/account-aliases";
import { cancelMove, moveAccount } from "../../src/services/account-migration";
import { findAccountById } from "../../src/services/accounts";
import { FakeNetwork, remoteActor, serveActor } from "../federation/helpers";
import { app, follow, remote, spies } from "../federation/outbound-helpers";
import { api, BASE, config, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { Browser } from "./browser";

const PASSWORD = "migration password";
const actorUri = (u: TestUser) => `${config().baseUrl}/users/${u.account.username}`;
const text = (html: string) => html.replaceAll("&#39;", "'").replaceAll("&#x27;", "'");

async function movedTo(accountId: number): Promise<number | null | undefined> {
  const [row] = await db().select().from(accounts).where(eq(accounts.id, accountId));
  return row?.movedToAccountId;
}

async function follows(followerId: number, targetId: number): Promise<boolean> {
  const row = await env.DB.prepare("SELECT 1 AS x FROM follows WHERE account_id = ? AND target_account_id = ?")
    .bind(followerId, targetId)
    .first();
  return row !== null;
}

async function withAlias(target: TestUser, of: TestUser): Promise<void> {
  const added = await addAlias(db(), config(), target.account, of.account.username);
  expect(added.ok).toBe(true);
}

/**
 * `old` (signed in, on the migration page), `fresh` with `old` as its alias, and `old`'s followers: a
 * local `fan` and a remote `far`; the app's queues are spies.
 */
async function moving() {
  const [old, fresh, fan] = [await createTestUser({ password: PASSWORD }), await createTestUser(), await createTestUser()];
  await withAlias(fresh, old);
  await follow(fan.account.id, old.account.id);
  const far = await remote();
  await follow(far.account.id, old.account.id);
  const s = spies();
  const browser = new Browser({
    fetch: async (request) => app.fetch(request, { ...env, ...s.overrides }, createExecutionContext()),
  });
  const signedIn = await browser.signIn(old.account.username, PASSWORD);
  await browser.get("/settings/migration");
  return { old, fresh, fan, far, s, browser, signedIn };
}

describe("moving to a different account", () => {
  it("moves followers, federates Update and Move, shows `moved`, then cools down and can be cancelled", async () => {
    const { old, fresh, fan, far, s, browser, signedIn } = await moving();
    expect(signedIn.html).toContain('href="/settings/migration"');

    const done = await browser.post("/settings/migration", {
      acct: `${fresh.account.username}@${config().localDomain}`,
      current_password: PASSWORD,
    });
    expect(done.path).toBe("/settings/migration?notice=moved");
    expect(text(done.html)).toContain(
      `This account has moved to <strong>@${fresh.account.username}@${config().localDomain}</strong>`,
    );
    expect(done.html).toContain("You can move again after");
    expect(await movedTo(old.account.id)).toBe(fresh.account.id);

    // The sends were committed with the move and queued at once; the consumer makes them.
    expect(s.fanout.sent).toEqual([
      expect.objectContaining({ type: "account.move_out", accountId: old.account.id, targetId: fresh.account.id }),
    ]);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM event_outbox").first()).toEqual({ n: 0 });
    await s.drainFanout();
    const [update, move, ...rest] = s.take();
    expect(rest).toEqual([]);
    const inbox = new URL("/inbox", far.actor.id).href;
    expect(update?.inboxes).toEqual([inbox]);
    expect(update?.activity).toMatchObject({ type: "Update", object: { id: actorUri(old), movedTo: actorUri(fresh) } });
    expect(move?.inboxes).toEqual([inbox]);
    expect(move?.activity).toMatchObject({ type: "Move", actor: actorUri(old), object: actorUri(old), target: actorUri(fresh) });
    expect(String(move?.activity.id)).toMatch(new RegExp(`^${actorUri(old)}#moves/\\d+$`));

    // The local follower follows the new account instead, through the same pages an incoming Move uses.
    expect(s.fanout.sent).toContainEqual(
      expect.objectContaining({ type: "account.moved", originId: old.account.id, targetId: fresh.account.id }),
    );
    while (s.fanout.sent.length > 0) await s.drainFanout();
    expect(await follows(fan.account.id, fresh.account.id)).toBe(true);
    expect(await follows(fan.account.id, old.account.id)).toBe(false);

    const shown = (await (await api(`/api/v1/accounts/${old.account.id}`)).json()) as { moved?: { id: string; moved?: unknown } };
    expect(shown.moved?.id).toBe(String(fresh.account.id));
    expect(shown.moved && "moved" in shown.moved).toBe(false);
    const notMoved = (await (await api(`/api/v1/accounts/${fresh.account.id}`)).json()) as Record<string, unknown>;
    expect("moved" in notMoved).toBe(false);
    const doc = await SELF.fetch(`${BASE}/users/${old.account.username}`, { headers: { accept: "application/activity+json" } });
    expect(((await doc.json()) as { movedTo?: string }).movedTo).toBe(actorUri(fresh));

    // On cooldown: no second move, not even to somewhere else.
    const other = await createTestUser();
    await withAlias(other, old);
    const again = await browser.post("/settings/migration", { acct: other.account.username, current_password: PASSWORD });
    expect(again.status).toBe(422);
    expect(again.html).toContain("You are on cooldown");
    expect(await movedTo(old.account.id)).toBe(fresh.account.id);

    const cancelled = await browser.post("/settings/migration/cancel", {});
    expect(cancelled.html).toContain("The redirect has been cancelled.");
    expect(await movedTo(old.account.id)).toBeNull();
    const [undo] = s.take();
    expect(undo?.activity).toMatchObject({ type: "Update", object: { id: actorUri(old) } });
    expect((undo?.activity.object as { movedTo?: string } | undefined)?.movedTo).toBeUndefined();
    expect(undo).toBeDefined();
  });

  it("refuses with Mastodon's errors and changes nothing", async () => {
    const [old, fresh, stranger] = [await createTestUser({ password: PASSWORD }), await createTestUser(), await createTestUser()];
    await withAlias(fresh, old);
    const browser = new Browser();
    await browser.signIn(old.account.username, PASSWORD);
    await browser.get("/settings/migration");
    const cases: Array<[Record<string, string>, string]> = [
      [{ acct: fresh.account.username, current_password: "not it" }, "Current password is invalid"],
      [{ acct: " ", current_password: PASSWORD }, "Handle of the new account can't be blank"],
      [{ acct: "nobody_by_that_name", current_password: PASSWORD }, "Handle of the new account could not be found"],
      [{ acct: old.account.username, current_password: PASSWORD }, "Handle of the new account can't be the current account"],
      [
        { acct: stranger.account.username, current_password: PASSWORD },
        "Handle of the new account is not an alias of this account",
      ],
    ];
    for (const [fields, message] of cases) {
      const page = await browser.post("/settings/migration", fields);
      expect(page.status, message).toBe(422);
      expect(text(page.html)).toContain(message);
    }
    const refused = await browser.post(
      "/settings/migration",
      { acct: fresh.account.username, current_password: PASSWORD },
      { csrf: false },
    );
    expect(refused.status).toBe(422);
    expect(await movedTo(old.account.id)).toBeNull();
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM account_migrations WHERE account_id = ?")
      .bind(old.account.id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
    const away = await new Browser().get("/settings/migration", { follow: false });
    expect(away.headers.get("location")).toBe("/auth/sign_in?return_to=%2Fsettings%2Fmigration");
  });

  it("keeps a move's sends when the queue is down, and the cron sends them; a cancelled move sends nothing", async () => {
    const { old, fresh, fan, s, browser } = await moving();
    s.fanout.fail = true;
    const done = await browser.post("/settings/migration", { acct: fresh.account.username, current_password: PASSWORD });
    expect(done.path).toBe("/settings/migration?notice=moved");
    expect(await movedTo(old.account.id)).toBe(fresh.account.id);
    expect(s.fanout.sent).toEqual([]);
    expect(s.take()).toEqual([]);
    const pending = () =>
      env.DB.prepare("SELECT count(*) AS n FROM event_outbox WHERE message LIKE ?")
        .bind(`%"accountId":${old.account.id},%`)
        .first();
    expect(await pending()).toEqual({ n: 1 });

    // The queue is back: the cron's outbox sweep sends the move, and the consumer does the rest.
    s.fanout.fail = false;
    await drainEventOutbox({ ...env, ...s.overrides });
    expect(await pending()).toEqual({ n: 0 });
    expect(s.fanout.sent).toEqual([expect.objectContaining({ type: "account.move_out", accountId: old.account.id })]);
    await s.drainFanout();
    expect(s.take().map((d) => d.activity.type)).toEqual(["Update", "Move"]);
    while (s.fanout.sent.length > 0) await s.drainFanout();
    expect(await follows(fan.account.id, fresh.account.id)).toBe(true);

    // Delivered again after "cancel redirect": the move is no longer there to send.
    const cancelled = await cancelMove(db(), (await findAccountById(db(), old.account.id)) as Account);
    expect(cancelled.movedToAccountId).toBeNull();
    await s.fanoutRun({ type: "account.move_out", v: 1, accountId: old.account.id, targetId: fresh.account.id, migrationId: 1 });
    expect(s.take()).toEqual([]);
    expect(s.fanout.sent).toEqual([]);
  });

  it("moves to a remote account whose alias was added a moment ago, fetching its actor afresh", async () => {
    const old = await createTestUser({ password: PASSWORD });
    const net = new FakeNetwork();
    const peer = await remoteActor();
    const host = new URL(peer.id).host;
    net.json(
      `https://${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:alice@${host}`)}`,
      { subject: `acct:alice@${host}`, links: [{ rel: "self", type: "application/activity+json", href: peer.id }] },
      { contentType: "application/jrd+json" },
    );
    serveActor(net, peer);
    const input = { acct: `alice@${host}`, currentPassword: PASSWORD };
    // Known without the alias yet (and cached as fresh): refused.
    expect(await moveAccount(db(), config(), old, input, { fetcher: net.fetcher })).toEqual({
      ok: false,
      errors: ["Handle of the new account is not an alias of this account"],
    });
    // The alias appears on the remote server: the next attempt sees it.
    net.json(peer.id, { ...peer.document, alsoKnownAs: [actorUri(old)] });
    const moved = await moveAccount(db(), config(), old, input, { fetcher: net.fetcher });
    expect(moved.ok && moved.target.uri).toBe(peer.id);
    expect(await movedTo(old.account.id)).toBe(moved.ok ? moved.target.id : -1);
  });
});
