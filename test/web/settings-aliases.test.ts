/**
 * Settings → Moving from a different account: aliases in the actor's `alsoKnownAs`, added by handle
 * (local, or remote through WebFinger against a fake network), removed by actor id, with Mastodon's
 * AccountAlias errors; each change is sent to the followers' servers as an Update of the actor.
 */
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../../src/db/schema";
import { addAlias, MAX_ALIASES } from "../../src/services/account-aliases";
import { FakeNetwork, remoteActor, serveActor } from "../federation/helpers";
import { app, follow, remote, spies } from "../federation/outbound-helpers";
import { BASE, config, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { Browser } from "./browser";

const PASSWORD = "aliases password";

async function aliasesOf(accountId: number): Promise<string[]> {
  const [row] = await db().select().from(accounts).where(eq(accounts.id, accountId));
  return row?.alsoKnownAs ?? [];
}

async function signedIn(u: TestUser): Promise<Browser> {
  const browser = new Browser();
  const overview = await browser.signIn(u.account.username, PASSWORD);
  expect(overview.html).toContain('href="/settings/aliases"');
  return browser;
}

const actorUri = (u: TestUser) => `${config().baseUrl}/users/${u.account.username}`;

describe("account aliases", () => {
  it("adds an alias by handle, lists it in the actor document, and removes it", async () => {
    const [me, old] = [await createTestUser({ password: PASSWORD }), await createTestUser()];
    const browser = await signedIn(me);
    const form = await browser.get("/settings/aliases");
    expect(form.status).toBe(200);
    expect(form.html).toContain("No aliases.");

    const added = await browser.post("/settings/aliases", { acct: `@${old.account.username}@${config().localDomain}` });
    expect(added.status).toBe(200);
    expect(added.path).toBe("/settings/aliases?notice=alias_added");
    expect(added.html).toContain("Alias created.");
    expect(added.html).toContain(actorUri(old));
    expect(await aliasesOf(me.account.id)).toEqual([actorUri(old)]);

    const actor = await SELF.fetch(`${BASE}/users/${me.account.username}`, { headers: { accept: "application/activity+json" } });
    expect(((await actor.json()) as { alsoKnownAs?: string[] }).alsoKnownAs).toEqual([actorUri(old)]);

    const removed = await browser.post("/settings/aliases/remove", { uri: actorUri(old) });
    expect(removed.html).toContain("Alias removed.");
    expect(await aliasesOf(me.account.id)).toEqual([]);
  });

  it("sends the actor's Update, listing the alias, to the followers' servers", async () => {
    const [me, old] = [await createTestUser({ password: PASSWORD }), await createTestUser()];
    const fan = await remote();
    await follow(fan.account.id, me.account.id);
    const s = spies();
    const browser = new Browser({
      fetch: async (request) => app.fetch(request, { ...env, ...s.overrides }, createExecutionContext()),
    });
    await browser.signIn(me.account.username, PASSWORD);
    await browser.get("/settings/aliases");
    expect((await browser.post("/settings/aliases", { acct: old.account.username })).status).toBe(200);
    const [update, ...rest] = s.take();
    expect(rest).toEqual([]);
    expect(update?.inboxes).toEqual([new URL("/inbox", fan.actor.id).href]);
    expect(update?.activity).toMatchObject({ type: "Update", object: { id: actorUri(me), alsoKnownAs: [actorUri(old)] } });
  });

  it("refuses an unknown handle, the account itself, a second copy and a blank handle, changing nothing", async () => {
    const [me, old] = [await createTestUser({ password: PASSWORD }), await createTestUser()];
    const browser = await signedIn(me);
    await browser.get("/settings/aliases");
    expect((await browser.post("/settings/aliases", { acct: old.account.username })).status).toBe(200);

    const cases: Array<[string, string]> = [
      ["nobody_here_at_all", "Handle of the old account could not be found"],
      ["not a handle@x@y", "Handle of the old account could not be found"],
      [me.account.username, "Handle of the old account can't be the current account"],
      [old.account.username.toUpperCase(), "Handle of the old account has already been taken"],
      ["  ", "Handle of the old account can't be blank"],
    ];
    for (const [acct, message] of cases) {
      const page = await browser.post("/settings/aliases", { acct });
      expect(page.status, acct).toBe(422);
      expect(page.html.replaceAll("&#39;", "'").replaceAll("&#x27;", "'")).toContain(message);
    }
    expect(await aliasesOf(me.account.id)).toEqual([actorUri(old)]);
  });

  it("changes nothing without the form's CSRF token, and sends a signed-out browser to sign in", async () => {
    const [me, old] = [await createTestUser({ password: PASSWORD }), await createTestUser()];
    const browser = await signedIn(me);
    const refused = await browser.post("/settings/aliases", { acct: old.account.username }, { csrf: false });
    expect(refused.status).toBe(422);
    expect(await aliasesOf(me.account.id)).toEqual([]);
    const away = await new Browser().get("/settings/aliases", { follow: false });
    expect(away.headers.get("location")).toBe("/auth/sign_in?return_to=%2Fsettings%2Faliases");
  });

  it("resolves a remote handle with WebFinger and stores the remote actor's id", async () => {
    const me = await createTestUser();
    const net = new FakeNetwork();
    const peer = await remoteActor();
    const host = new URL(peer.id).host;
    serveActor(net, peer);
    net.json(
      `https://${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:alice@${host}`)}`,
      { subject: `acct:alice@${host}`, links: [{ rel: "self", type: "application/activity+json", href: peer.id }] },
      { contentType: "application/jrd+json" },
    );
    const result = await addAlias(db(), config(), me.account, `alice@${host}`, { fetcher: net.fetcher });
    expect(result.ok && result.account.alsoKnownAs).toEqual([peer.id]);
    expect(await aliasesOf(me.account.id)).toEqual([peer.id]);

    const unknown = await addAlias(db(), config(), result.ok ? result.account : me.account, `bob@${host}`, {
      fetcher: net.fetcher,
    });
    expect(unknown).toEqual({ ok: false, error: "Handle of the old account could not be found" });
  });

  it(`keeps at most ${MAX_ALIASES} aliases`, async () => {
    const [me, old] = [await createTestUser(), await createTestUser()];
    const full = { ...me.account, alsoKnownAs: Array.from({ length: MAX_ALIASES }, (_, i) => `https://x${i}.example/users/a`) };
    expect(await addAlias(db(), config(), full, old.account.username)).toEqual({
      ok: false,
      error: `You can have at most ${MAX_ALIASES} aliases; remove one first`,
    });
  });
});
