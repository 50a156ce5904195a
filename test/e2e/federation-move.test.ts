/**
 * Moving an account between two Petrel instances on loopback, through the settings pages a person
 * uses and real HTTP between the servers: beta's `fresh` names alpha's `old` as an alias
 * (WebFinger to alpha), `old` moves to `fresh@beta` (alpha fetches `fresh` afresh and sees the alias),
 * alpha sends the actor's Update and a Move to beta, and beta's `fan`, who followed `old`, now
 * follows `fresh` and no longer `old` (beta's Undo reaches alpha). Both servers show `moved`.
 * Then the follows come along too: alpha's `pal` downloads the follows CSV from Data export, and
 * `fresh` uploads it on beta's Import page and confirms; beta follows alpha's `friend` (WebFinger, a
 * Follow and alpha's Accept over real HTTP) and its own `fan`.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webSignIn } from "./helpers/browser";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import { eventually, type Json, resolve, type Session, signIn } from "./helpers/fediverse";
import { type CreatedUser, createAccount } from "./helpers/petrel-cli";

let alpha: DevServer;
let beta: DevServer;
let old: CreatedUser;
let fresh: CreatedUser;
let fan: Session;
let pal: Session;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([startDevServer(), startDevServer()]);
  // One CLI at a time per state directory (SQLite is locked while another writes).
  const onAlpha = async () => {
    old = await createAccount(alpha.stateDir, "old");
    await createAccount(alpha.stateDir, "friend");
    pal = await signIn(alpha, "pal");
  };
  const onBeta = async () => {
    fresh = await createAccount(beta.stateDir, "fresh");
    fan = await signIn(beta, "fan");
  };
  await Promise.all([onAlpha(), onBeta()]);
}, 240_000);

afterAll(async () => {
  await Promise.all([alpha?.stop(), beta?.stop()]);
});

describe("moving an account from one Petrel to another", { timeout: 180_000 }, () => {
  let oldOnBeta: Json;

  it("lets beta's fan follow alpha's old account", async () => {
    oldOnBeta = await resolve(fan, `@old@${alpha.domain}`, "accounts");
    await fan.post(`/api/v1/accounts/${oldOnBeta.id}/follow`);
    await eventually("fan follows old@alpha", async () => {
      const [rel] = await fan.get(`/api/v1/accounts/relationships?id[]=${oldOnBeta.id}`);
      return rel.following === true;
    });
  });

  it("moves old@alpha to fresh@beta through the settings pages, and the follow moves with it", async () => {
    const onBeta = await webSignIn(beta.baseUrl, fresh);
    const aliases = await onBeta.get("/settings/aliases");
    const aliased = await onBeta.follow(await onBeta.submit(aliases, "/settings/aliases", { acct: `old@${alpha.domain}` }));
    expect(aliased.html, aliased.html.slice(0, 1500)).toContain("Alias created.");
    expect(aliased.html).toContain(`${alpha.baseUrl}/users/old`);

    const onAlpha = await webSignIn(alpha.baseUrl, old);
    const migration = await onAlpha.get("/settings/migration");
    const moved = await onAlpha.follow(
      await onAlpha.submit(migration, "/settings/migration", { acct: `fresh@${beta.domain}`, current_password: old.password }),
    );
    expect(moved.html, moved.html.slice(0, 1500)).toContain("Your followers are being moved to the new account.");

    const freshOnBeta = await fan.get(`/api/v1/accounts/lookup?acct=fresh`);
    await eventually("fan follows fresh instead of old", async () => {
      const rels: Json[] = await fan.get(`/api/v1/accounts/relationships?id[]=${freshOnBeta.id}&id[]=${oldOnBeta.id}`);
      const byId = new Map(rels.map((r) => [r.id, r]));
      return byId.get(freshOnBeta.id)?.following === true && byId.get(oldOnBeta.id)?.following === false;
    });
    // Beta knows the move (from the Move, and the Update's movedTo).
    const oldSeenOnBeta = await fan.get(`/api/v1/accounts/${oldOnBeta.id}`);
    expect(oldSeenOnBeta.moved?.acct).toBe("fresh");
    // Alpha shows it too, and its follower list no longer holds fan once beta's Undo arrived.
    const oldOnAlpha = await (await fetch(`${alpha.baseUrl}/api/v1/accounts/lookup?acct=old`)).json();
    expect((oldOnAlpha as Json).moved?.acct).toBe(`fresh@${beta.domain}`);
    await eventually("alpha drops fan from old's followers", async () => {
      const res = await fetch(`${alpha.baseUrl}/api/v1/accounts/${(oldOnAlpha as Json).id}/followers`);
      const list = (await res.json()) as Json[];
      return list.every((a) => a.acct !== `fan@${beta.domain}`);
    });
  });

  it("brings the follows along: exported on alpha, imported on beta through the settings pages", async () => {
    const friendOnAlpha = await pal.get("/api/v1/accounts/lookup?acct=friend");
    await pal.post(`/api/v1/accounts/${friendOnAlpha.id}/follow`);
    const fanOnAlpha = await resolve(pal, `@fan@${beta.domain}`, "accounts");
    await pal.post(`/api/v1/accounts/${fanOnAlpha.id}/follow`);
    await eventually("pal follows fan@beta", async () => {
      const [rel] = await pal.get(`/api/v1/accounts/relationships?id[]=${fanOnAlpha.id}`);
      return rel.following === true;
    });

    const exporter = await webSignIn(alpha.baseUrl, { username: "pal", password: pal.password });
    const exported = await exporter.get("/settings/exports/follows.csv");
    expect(exported.status).toBe(200);
    expect(exported.html).toContain(`friend@${alpha.domain},true,false,`);
    expect(exported.html).toContain(`fan@${beta.domain},true,false,`);

    const importer = await webSignIn(beta.baseUrl, fresh);
    const form = await importer.get("/settings/imports");
    const file = new File([exported.html], "following_accounts.csv", { type: "text/csv" });
    const confirm = await importer.follow(
      await importer.upload(form, "/settings/imports", { type: "following", mode: "merge" }, { data: file }),
    );
    expect(confirm.html, confirm.html.slice(0, 1500)).toContain(
      "<strong>2</strong> accounts to follow from <strong>following_accounts.csv</strong>",
    );
    const id = new URL(confirm.url).pathname.split("/").pop();
    const started = await importer.follow(await importer.submit(confirm, `/settings/imports/${id}/confirm`));
    expect(started.html).toContain("Your import has started.");

    const freshOnBeta = await fan.get("/api/v1/accounts/lookup?acct=fresh");
    await eventually("fresh follows friend@alpha (accepted) and fan", async () => {
      const following: Json[] = await fan.get(`/api/v1/accounts/${freshOnBeta.id}/following`);
      const accts = following.map((a) => a.acct).sort();
      return accts.includes("fan") && accts.includes(`friend@${alpha.domain}`);
    });
    const followers: Json[] = await pal.get(`/api/v1/accounts/${friendOnAlpha.id}/followers`);
    expect(followers.map((a) => a.acct)).toContain(`fresh@${beta.domain}`);
    const done = await importer.get("/settings/imports");
    expect(done.html).toContain("Finished");
    expect(done.html).toContain("2 / 2");
  });
});
