/**
 * Instance-wide domain blocks from the staff page: blocking a server suspends (or silences) its
 * stored accounts and those of its subdomains through FANOUT pages, ends their follows, publishes the
 * block at /api/v1/instance/domain_blocks; lifting it restores exactly the accounts it marked. Bad
 * input (not a domain, our own domain, a duplicate, no CSRF token, not staff) changes nothing.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import type { FanoutMessage } from "../../src/queue/messages";
import { DOMAIN_BLOCK_PAGE } from "../../src/services/domain-blocks";
import { forgetDomainPolicies } from "../../src/services/domain-policy";
import { domainCandidates, normalizeBlockDomain, obfuscateDomain } from "../../src/util/domain-names";
import { follow, insertStatus, spies } from "../federation/outbound-helpers";
import { remoteAccount } from "../feeds/helpers";
import { api, createTestUser, uniqueName } from "../helpers/fixtures";
import { Browser } from "../web/browser";

const PASSWORD = "moderator password";
const app = createApp();

afterEach(() => forgetDomainPolicies());

/** A stored remote account on `domain`. */
async function remoteOn(domain: string): Promise<number> {
  return (await remoteAccount(domain)).id;
}

async function marks(id: number): Promise<{ suspended_at: number | null; silenced_at: number | null } | null> {
  return env.DB.prepare("SELECT suspended_at, silenced_at FROM accounts WHERE id = ?").bind(id).first();
}

async function followCount(followerId: number, targetId: number): Promise<number> {
  const row = await env.DB.prepare("SELECT COUNT(*) AS n FROM follows WHERE account_id = ? AND target_account_id = ?")
    .bind(followerId, targetId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** A signed-in moderator's browser on the whole app, with spy queues. */
async function moderator() {
  const mod = await createTestUser({ password: PASSWORD, role: "moderator" });
  const s = spies();
  const browser = new Browser({
    fetch: async (request) => app.fetch(request, { ...env, ...s.overrides }, createExecutionContext()),
  });
  await browser.signIn(mod.account.username, PASSWORD);
  await browser.get("/admin/domain_blocks");
  return { browser, s };
}

/** Runs FANOUT until it is empty; the messages run. */
async function drain(s: ReturnType<typeof spies>): Promise<FanoutMessage[]> {
  const ran: FanoutMessage[] = [];
  for (let m = s.fanout.sent.shift() as FanoutMessage | undefined; m; m = s.fanout.sent.shift() as FanoutMessage | undefined) {
    ran.push(m);
    await s.fanoutRun(m);
  }
  return ran;
}

describe("instance domain blocks", () => {
  it("suspend a server and its subdomains, end their follows, publish the block; lifting restores the accounts", async () => {
    const domain = `${uniqueName("evil")}.example`;
    const [onIt, onSub, elsewhere, bystander] = [
      await remoteOn(domain),
      await remoteOn(`media.${domain}`),
      await remoteOn(`not${domain}`),
      await createTestUser(),
    ];
    await follow(bystander.account.id, onIt);
    await follow(onSub, bystander.account.id);
    await follow(bystander.account.id, elsewhere);
    const { browser, s } = await moderator();

    const done = await browser.post("/admin/domain_blocks", {
      domain: `https://${domain.toUpperCase()}/about`,
      severity: "suspend",
      public_comment: "spam and harassment",
      private_comment: "see report 12",
    });
    expect(done.path).toBe("/admin/domain_blocks?notice=domain_blocked");
    expect(done.html).toContain("The server has been blocked.");
    expect(done.html).toContain(`<td>${domain}</td>`);
    expect(done.html).toContain("see report 12");
    const block = await env.DB.prepare("SELECT id, created_at FROM instance_domain_blocks WHERE domain = ?")
      .bind(domain)
      .first<{ id: number; created_at: number }>();
    expect(block).not.toBeNull();
    // The request sent the committed outbox row at once; the rest is the consumer's.
    expect(s.fanout.sent).toEqual([
      { type: "domain_block.accounts", v: 1, op: "apply", domain, marker: block?.created_at, after: 0 },
    ]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM event_outbox").first()).toEqual({ n: 0 });
    await drain(s);

    expect(await marks(onIt)).toEqual({ suspended_at: block?.created_at, silenced_at: null });
    expect(await marks(onSub)).toEqual({ suspended_at: block?.created_at, silenced_at: null });
    expect(await marks(elsewhere)).toEqual({ suspended_at: null, silenced_at: null });
    expect(await followCount(bystander.account.id, onIt)).toBe(0);
    expect(await followCount(onSub, bystander.account.id)).toBe(0);
    expect(await followCount(bystander.account.id, elsewhere)).toBe(1);
    const me = (await (await api("/api/v1/accounts/verify_credentials", { token: bystander.token })).json()) as {
      following_count: number;
      followers_count: number;
    };
    expect(me).toMatchObject({ following_count: 1, followers_count: 0 });
    expect((await api(`/api/v1/accounts/${onIt}`)).status).toBe(404);

    const listed = await (await api("/api/v1/instance/domain_blocks")).json();
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(domain)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(listed).toEqual([{ domain, digest, severity: "suspend", comment: "spam and harassment" }]);
    const peers = (await (await api("/api/v1/instance/peers")).json()) as string[];
    expect(peers).not.toContain(domain);
    expect(peers).toContain(`not${domain}`);

    const lifted = await browser.post(`/admin/domain_blocks/${block?.id}/remove`, {});
    expect(lifted.path).toBe("/admin/domain_blocks?notice=domain_unblocked");
    await drain(s);
    expect(await marks(onIt)).toEqual({ suspended_at: null, silenced_at: null });
    expect(await marks(onSub)).toEqual({ suspended_at: null, silenced_at: null });
    // The follows the block ended stay ended, as on Mastodon.
    expect(await followCount(bystander.account.id, onIt)).toBe(0);
    expect((await api(`/api/v1/accounts/${onIt}`)).status).toBe(200);
    expect(await (await api("/api/v1/instance/domain_blocks")).json()).toEqual([]);
    expect((await browser.post(`/admin/domain_blocks/${block?.id}/remove`, {})).status).toBe(404);
  });

  it("silence a server: its accounts leave the public timeline; a suspension made before is left as it was", async () => {
    const domain = `${uniqueName("loud")}.example`;
    const [loud, already] = [await remoteOn(domain), await remoteOn(domain)];
    await env.DB.prepare("UPDATE accounts SET suspended_at = 5, silenced_at = 7 WHERE id = ?").bind(already).run();
    const statusId = await insertStatus(loud, {
      local: false,
      uri: `https://${domain}/notes/${uniqueName("n")}`,
      text: "buy now",
    });
    const timeline = async () =>
      ((await (await api("/api/v1/timelines/public?remote=true")).json()) as Array<{ id: string }>).map((x) => x.id);
    expect(await timeline()).toContain(String(statusId));

    const { browser, s } = await moderator();
    await browser.post("/admin/domain_blocks", { domain, severity: "silence", obfuscate: "1" });
    await drain(s);
    const block = await env.DB.prepare("SELECT id, created_at FROM instance_domain_blocks WHERE domain = ?")
      .bind(domain)
      .first<{ id: number; created_at: number }>();
    expect(await marks(loud)).toEqual({ suspended_at: null, silenced_at: block?.created_at });
    expect(await marks(already)).toEqual({ suspended_at: 5, silenced_at: 7 });
    expect(await timeline()).not.toContain(String(statusId));
    // Still there for whoever looks at it directly.
    expect((await api(`/api/v1/statuses/${statusId}`)).status).toBe(200);
    const [listed] = (await (await api("/api/v1/instance/domain_blocks")).json()) as Array<{ domain: string; severity: string }>;
    expect(listed).toMatchObject({ domain: obfuscateDomain(domain), severity: "silence", comment: null });
    expect(listed?.domain).not.toBe(domain);

    await browser.post(`/admin/domain_blocks/${block?.id}/remove`, {});
    await drain(s);
    expect(await marks(loud)).toEqual({ suspended_at: null, silenced_at: null });
    expect(await marks(already)).toEqual({ suspended_at: 5, silenced_at: 7 });
    expect(await timeline()).toContain(String(statusId));
  });

  it("work through a large server a page at a time, and leave no mark from a block lifted meanwhile", async () => {
    const domain = `${uniqueName("big")}.example`;
    const ids: number[] = [];
    for (let i = 0; i <= DOMAIN_BLOCK_PAGE; i++) ids.push(await remoteOn(domain));
    const { browser, s } = await moderator();
    await browser.post("/admin/domain_blocks", { domain, severity: "suspend" });
    const [first] = s.fanout.sent.splice(0) as FanoutMessage[];
    await s.fanoutRun(first as FanoutMessage);
    // One page done; the next is queued from the last account of the page.
    expect(s.fanout.sent).toEqual([{ ...first, after: ids[DOMAIN_BLOCK_PAGE - 1] }]);
    expect((await marks(ids[DOMAIN_BLOCK_PAGE - 1] as number))?.suspended_at).not.toBeNull();
    expect((await marks(ids[DOMAIN_BLOCK_PAGE] as number))?.suspended_at).toBeNull();
    // The same page again changes nothing more.
    await s.fanoutRun(first as FanoutMessage);
    s.fanout.sent.splice(1);

    const stale = s.fanout.sent.splice(0) as FanoutMessage[];
    const block = await env.DB.prepare("SELECT id FROM instance_domain_blocks WHERE domain = ?")
      .bind(domain)
      .first<{ id: number }>();
    await browser.post(`/admin/domain_blocks/${block?.id}/remove`, {});
    await drain(s);
    for (const id of [ids[0], ids[DOMAIN_BLOCK_PAGE - 1]]) expect((await marks(id as number))?.suspended_at).toBeNull();
    // Blocked again: the first block's page, still queued, does nothing (its block is gone), so it
    // cannot leave marks the second block's lifting would not clear.
    await browser.post("/admin/domain_blocks", { domain, severity: "suspend" });
    const again = await env.DB.prepare("SELECT created_at FROM instance_domain_blocks WHERE domain = ?")
      .bind(domain)
      .first<{ created_at: number }>();
    const fresh = s.fanout.sent.splice(0) as FanoutMessage[];
    await s.fanoutRun(stale[0] as FanoutMessage);
    expect(s.fanout.sent).toEqual([]);
    expect((await marks(ids[DOMAIN_BLOCK_PAGE] as number))?.suspended_at).toBeNull();
    s.fanout.sent.push(...fresh);
    await drain(s);
    for (const id of ids) expect((await marks(id))?.suspended_at).toBe(again?.created_at);
  });

  it("refuse bad input with the form's error and change nothing; staff only", async () => {
    const domain = `${uniqueName("dup")}.example`;
    const { browser, s } = await moderator();
    await browser.post("/admin/domain_blocks", { domain, severity: "noop", reject_media: "1" });
    // A noop block changes no account: nothing is queued.
    expect(s.fanout.sent).toEqual([]);
    const count = async () =>
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM instance_domain_blocks").first<{ n: number }>())?.n;
    const before = await count();
    for (const [fields, error] of [
      [{ domain, severity: "suspend" }, `${domain} is already blocked`],
      [{ domain: "not a domain", severity: "suspend" }, "That is not a domain name"],
      [{ domain: "petrel.test", severity: "suspend" }, "This server&#39;s own domain cannot be blocked"],
      [{ domain: "test", severity: "suspend" }, "This server&#39;s own domain cannot be blocked"],
      [{ domain: `x${domain}`, severity: "obliterate" }, "Severity must be suspend, silence or noop"],
    ] as const) {
      const page = await browser.post("/admin/domain_blocks", fields);
      expect(page.status).toBe(422);
      expect(page.html.replaceAll("&#x27;", "&#39;")).toContain(error);
    }
    const noToken = await browser.post("/admin/domain_blocks", {
      domain: `y${domain}`,
      severity: "suspend",
      authenticity_token: "",
    });
    expect(noToken.status).toBe(422);
    expect(await count()).toBe(before);
    expect(s.fanout.sent).toEqual([]);

    const user = await createTestUser({ password: PASSWORD });
    const other = new Browser();
    await other.signIn(user.account.username, PASSWORD);
    expect((await other.get("/admin/domain_blocks")).status).toBe(403);
    expect((await other.post("/admin/domain_blocks", { domain: `z${domain}`, severity: "suspend" })).status).toBe(403);
    expect(await count()).toBe(before);
  });
});

describe("domain names", () => {
  it("are read from what staff paste, and matched with their parent domains", () => {
    expect(normalizeBlockDomain(" Social.Example.COM ")).toBe("social.example.com");
    expect(normalizeBlockDomain("https://social.example.com/@alice")).toBe("social.example.com");
    expect(normalizeBlockDomain("@alice@social.example.com")).toBe("social.example.com");
    expect(normalizeBlockDomain("bücher.example")).toBe("xn--bcher-kva.example");
    expect(normalizeBlockDomain("localhost:8788")).toBe("localhost:8788");
    for (const bad of ["", "two words.example", "@", "http://", "exa_mple.com:"]) expect(normalizeBlockDomain(bad)).toBeNull();
    expect(domainCandidates("A.b.Example.com:8443")).toEqual([
      "a.b.example.com:8443",
      "a.b.example.com",
      "b.example.com",
      "example.com",
      "com",
    ]);
    expect(domainCandidates("10.0.0.1:80")).toEqual(["10.0.0.1:80", "10.0.0.1"]);
    expect(obfuscateDomain("social.example.com")).toBe("socia*.*******.com");
  });
});
