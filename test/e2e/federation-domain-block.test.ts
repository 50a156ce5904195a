/**
 * An instance-wide domain block between two Petrel instances on loopback, through the staff page and
 * real HTTP: beta's `fan` follows alpha's `star` and gets its posts; beta's moderator suspends alpha's
 * server on /admin/domain_blocks; beta's FANOUT consumer suspends `star` there and ends the follow;
 * alpha's next post is refused at beta's inbox (nothing arrives), and beta fetches nothing from alpha
 * (search with resolve finds nothing). Lifting the block brings `star` back on beta, not the follow.
 * Then alpha's own admin suspends `star` on alpha's staff page: alpha sends the actor's Update marked
 * `suspended`, and beta hides `star` too; lifting it on alpha shows `star` on beta again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webSignIn } from "./helpers/browser";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import { eventually, type Json, resolve, type Session, signIn } from "./helpers/fediverse";
import { type CreatedUser, createAccount } from "./helpers/petrel-cli";

let alpha: DevServer;
let beta: DevServer;
let star: Session;
let fan: Session;
let mod: CreatedUser;
let keeper: CreatedUser;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([startDevServer(), startDevServer()]);
  // One CLI at a time per state directory (SQLite is locked while another writes).
  await Promise.all([
    (async () => {
      star = await signIn(alpha, "star");
      keeper = await createAccount(alpha.stateDir, "keeper", { role: "admin" });
    })(),
    (async () => {
      fan = await signIn(beta, "fan");
      mod = await createAccount(beta.stateDir, "warden", { role: "moderator" });
    })(),
  ]);
}, 240_000);

afterAll(async () => {
  await Promise.all([alpha?.stop(), beta?.stop()]);
});

async function homeHas(session: Session, uri: string): Promise<boolean> {
  const home: Json[] = await session.get("/api/v1/timelines/home?limit=40");
  return home.some((s) => s.uri === uri);
}

describe("a domain block between two Petrel instances", { timeout: 180_000 }, () => {
  let starOnBeta: Json;

  it("lets beta's fan follow alpha's star and see its posts", async () => {
    starOnBeta = await resolve(fan, `@star@${alpha.domain}`, "accounts");
    await fan.post(`/api/v1/accounts/${starOnBeta.id}/follow`);
    await eventually("fan follows star", async () => {
      const [rel] = await fan.get(`/api/v1/accounts/relationships?id[]=${starOnBeta.id}`);
      return rel.following === true;
    });
    const before: Json = await star.post("/api/v1/statuses", { status: "before the block" });
    await eventually("star's post reaches fan's home", () => homeHas(fan, before.uri));
  });

  it("suspends alpha on beta's staff page: star is gone there, the follow ended, nothing more arrives or is fetched", async () => {
    const browser = await webSignIn(beta.baseUrl, mod);
    const page = await browser.get("/admin/domain_blocks");
    expect(page.status, page.html.slice(0, 500)).toBe(200);
    const done = await browser.follow(
      await browser.submit(page, "/admin/domain_blocks", {
        domain: alpha.baseUrl,
        severity: "suspend",
        public_comment: "testing",
      }),
    );
    expect(done.html, done.html.slice(0, 1500)).toContain("The server has been blocked.");
    const listed: Json[] = await (await fetch(`${beta.baseUrl}/api/v1/instance/domain_blocks`)).json();
    expect(listed).toEqual([expect.objectContaining({ domain: alpha.domain, severity: "suspend", comment: "testing" })]);

    await eventually(
      "star is suspended on beta",
      async () => (await fan.send("GET", `/api/v1/accounts/${starOnBeta.id}`)).status === 404,
    );
    const following: Json[] = await fan.get(`/api/v1/accounts/${fan.account.id}/following`);
    expect(following.map((a) => a.acct)).not.toContain(`star@${alpha.domain}`);

    const refusals = () => beta.output().split("inbox: 401 the key's server is blocked").length - 1;
    const refusedBefore = refusals();
    const after: Json = await star.post("/api/v1/statuses", { status: `@fan@${beta.domain} after the block` });
    // Alpha still lists fan as a follower and mentioned fan: it delivers, and beta's inbox refuses.
    await eventually("beta's inbox refuses alpha's delivery", async () => refusals() > refusedBefore);
    const searched = await fan.get(`/api/v2/search?resolve=true&type=statuses&q=${encodeURIComponent(after.uri)}`);
    expect(searched.statuses).toEqual([]);
    await new Promise((r) => setTimeout(r, 3000));
    expect(await homeHas(fan, after.uri)).toBe(false);
    const notifications: Json[] = await fan.get("/api/v1/notifications");
    expect(notifications.filter((n) => n.status?.uri === after.uri)).toEqual([]);
  });

  it("lifts the block: star is back on beta, the follow is not", async () => {
    const browser = await webSignIn(beta.baseUrl, mod);
    const page = await browser.get("/admin/domain_blocks");
    const action = /action="(\/admin\/domain_blocks\/\d+\/remove)"/.exec(page.html)?.[1];
    expect(action, page.html.slice(0, 1500)).toBeDefined();
    const lifted = await browser.follow(await browser.submit(page, action as string));
    expect(lifted.html).toContain("The block has been lifted.");
    await eventually(
      "star is back on beta",
      async () => (await fan.send("GET", `/api/v1/accounts/${starOnBeta.id}`)).status === 200,
    );
    const [rel] = await fan.get(`/api/v1/accounts/relationships?id[]=${starOnBeta.id}`);
    expect(rel.following).toBe(false);
    expect(await (await fetch(`${beta.baseUrl}/api/v1/instance/domain_blocks`)).json()).toEqual([]);
  });

  it("follows alpha's own suspension of star: beta hides star, then shows it again when alpha lifts it", async () => {
    // Beta needs to be among star's followers' servers for the Update to reach it: fan follows again.
    await fan.post(`/api/v1/accounts/${starOnBeta.id}/follow`);
    await eventually("fan follows star again", async () => {
      const [rel] = await fan.get(`/api/v1/accounts/relationships?id[]=${starOnBeta.id}`);
      return rel.following === true;
    });
    const browser = await webSignIn(alpha.baseUrl, keeper);
    const page = await browser.get(`/admin/accounts/${star.account.id}`);
    expect(page.status, page.html.slice(0, 500)).toBe(200);
    const suspended = await browser.follow(await browser.submit(page, `/admin/accounts/${star.account.id}/suspend`));
    expect(suspended.html).toContain("The account has been suspended.");
    const actor = (await (
      await fetch(`${alpha.baseUrl}/users/star`, { headers: { accept: "application/activity+json" } })
    ).json()) as Json;
    expect(actor.suspended).toBe(true);
    await eventually("beta hides star", async () => (await fan.send("GET", `/api/v1/accounts/${starOnBeta.id}`)).status === 404);

    const lifted = await browser.follow(await browser.submit(suspended, `/admin/accounts/${star.account.id}/unsuspend`));
    expect(lifted.html).toContain("The suspension has been lifted.");
    await eventually(
      "beta shows star again",
      async () => (await fan.send("GET", `/api/v1/accounts/${starOnBeta.id}`)).status === 200,
    );
  });
});
