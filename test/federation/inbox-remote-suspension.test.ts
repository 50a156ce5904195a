/**
 * A remote server's own suspension of one of its accounts (Mastodon's `suspended: true` on the
 * actor): the account is hidden here too, and shown again when its actor no longer says so; a
 * suspension by this server's staff is never lifted from there.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { remoteContext } from "../../src/federation/fetch";
import { resolveActor } from "../../src/federation/remote-actors";
import { applyAccountAction } from "../../src/services/account-actions";
import { api, config, createTestUser, db } from "../helpers/fixtures";
import { FakeNetwork, remoteActor, serveActor } from "./helpers";
import { Harness, peer } from "./inbox-consumer-helpers";

function updateOf(actorId: string, document: Record<string, unknown>) {
  return { id: `${actorId}#updates/${Date.now()}-${Math.random()}`, type: "Update", actor: actorId, object: document };
}

async function origin(id: number) {
  return env.DB.prepare("SELECT suspended_at, suspension_origin FROM accounts WHERE id = ?")
    .bind(id)
    .first<{ suspended_at: number | null; suspension_origin: string | null }>();
}

describe("a remote account its own server suspends", () => {
  it("is hidden while its actor says `suspended`, and back once it no longer does", async () => {
    const h = new Harness();
    const p = await peer();
    await h.apply(updateOf(p.actor.id, { ...p.actor.document, suspended: true }));
    expect(await origin(p.account.id)).toMatchObject({ suspension_origin: "remote" });
    expect((await origin(p.account.id))?.suspended_at).not.toBeNull();
    expect((await api(`/api/v1/accounts/${p.account.id}`)).status).toBe(404);
    // While suspended, its other activities are dropped; its own Update is still read.
    await h.apply(updateOf(p.actor.id, p.actor.document));
    expect(await origin(p.account.id)).toEqual({ suspended_at: null, suspension_origin: null });
    expect((await api(`/api/v1/accounts/${p.account.id}`)).status).toBe(200);
  });

  it("stays suspended here when this server's staff suspended it, whatever its actor says", async () => {
    const h = new Harness();
    const [p, admin] = [await peer(), await createTestUser({ role: "admin" })];
    await h.apply(updateOf(p.actor.id, { ...p.actor.document, suspended: true }));
    // Staff suspend it too: from now on the suspension is ours.
    await applyAccountAction(env, { accountId: admin.account.id, role: "admin" }, p.account.id, "suspend");
    expect(await origin(p.account.id)).toMatchObject({ suspension_origin: "local" });
    await h.apply(updateOf(p.actor.id, p.actor.document));
    expect((await origin(p.account.id))?.suspended_at).not.toBeNull();
    expect((await api(`/api/v1/accounts/${p.account.id}`)).status).toBe(404);
  });

  it("is stored suspended when first fetched so", async () => {
    const net = new FakeNetwork();
    const actor = await remoteActor();
    actor.document.suspended = true;
    serveActor(net, actor);
    const resolved = await resolveActor(remoteContext(db(), config(), net.fetcher), actor.id);
    expect(resolved.ok).toBe(true);
    if (resolved.ok) expect(await origin(resolved.account.id)).toMatchObject({ suspension_origin: "remote" });
  });
});
