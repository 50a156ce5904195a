import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, users } from "../../src/db/schema";
import { localUsernameFromResource } from "../../src/federation/well-known";
import { api, BASE, config, createTestUser, db, uniqueName } from "../helpers/fixtures";

interface Jrd {
  subject: string;
  aliases: string[];
  links: Array<{ rel: string; type?: string; href?: string; template?: string }>;
}

const webfinger = (resource?: string) =>
  api(resource === undefined ? "/.well-known/webfinger" : `/.well-known/webfinger?resource=${encodeURIComponent(resource)}`);

async function expectFound(resource: string, username: string): Promise<Jrd> {
  const res = await webfinger(resource);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/jrd\+json/);
  expect(res.headers.get("access-control-allow-origin")).toBe("*");
  const body = await res.json<Jrd>();
  expect(body.subject).toBe(`acct:${username}@petrel.test`);
  return body;
}

async function expectStatus(resource: string | undefined, status: number): Promise<void> {
  const res = await webfinger(resource);
  expect(res.status).toBe(status);
  expect(await res.text()).toBe("");
}

describe("GET /.well-known/webfinger", () => {
  it("resolves acct:user@LOCAL_DOMAIN to the actor, with Mastodon's links", async () => {
    const { account } = await createTestUser();
    const name = account.username;
    const body = await expectFound(`acct:${name}@petrel.test`, name);
    expect(body).toEqual({
      subject: `acct:${name}@petrel.test`,
      aliases: [`${BASE}/@${name}`, `${BASE}/users/${name}`],
      links: [
        { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: `${BASE}/@${name}` },
        { rel: "self", type: "application/activity+json", href: `${BASE}/users/${name}` },
        { rel: "http://ostatus.org/schema/1.0/subscribe", template: `${BASE}/authorize_interaction?uri={uri}` },
      ],
    });
  });

  it("resolves the profile URL, the actor URI and a handle without acct:", async () => {
    const { account } = await createTestUser();
    const name = account.username;
    await expectFound(`${BASE}/@${name}`, name);
    await expectFound(`${BASE}/users/${name}`, name);
    await expectFound(`${name}@petrel.test`, name);
    await expectFound(`acct:@${name}@petrel.test`, name);
  });

  it("matches usernames case-insensitively and answers with the stored spelling", async () => {
    const username = `Mixed${uniqueName("Case")}`.slice(0, 30);
    await createTestUser({ username });
    const body = await expectFound(`acct:${username.toUpperCase()}@PETREL.TEST`, username);
    expect(body.links.find((l) => l.rel === "self")?.href).toBe(`${BASE}/users/${username}`);
    await expectFound(`${BASE}/users/${username.toLowerCase()}`, username);
  });

  it("answers 404 for unknown users, other domains and malformed resources", async () => {
    const { account } = await createTestUser();
    const name = account.username;
    await expectStatus("acct:nobody_here_at_all@petrel.test", 404);
    await expectStatus(`acct:${name}@mastodon.social`, 404);
    await expectStatus(`https://mastodon.social/users/${name}`, 404);
    await expectStatus(`${BASE}/users/${name}/followers`, 404);
    await expectStatus(`acct:${name}`, 404);
    await expectStatus("acct:not a user@petrel.test", 404);
    await expectStatus(`mailto:${name}@petrel.test`, 404);
    await expectStatus("https://", 404);
  });

  it("answers 400 when the resource is missing or empty", async () => {
    await expectStatus(undefined, 400);
    await expectStatus("", 400);
  });

  it("does not reveal suspended or unapproved accounts", async () => {
    const suspended = await createTestUser();
    await db().update(accounts).set({ suspendedAt: Date.now() }).where(eq(accounts.id, suspended.account.id));
    await expectStatus(`acct:${suspended.account.username}@petrel.test`, 404);
    const pending = await createTestUser();
    await db().update(users).set({ approved: false }).where(eq(users.id, pending.user.id));
    await expectStatus(`acct:${pending.account.username}@petrel.test`, 404);
  });
});

describe("localUsernameFromResource", () => {
  it("accepts both hostnames and both URL shapes, nothing else", () => {
    const split = {
      ...config(),
      localDomain: "example.com",
      webDomain: "social.example.com",
      baseUrl: "https://social.example.com",
    };
    expect(localUsernameFromResource(split, "acct:me@example.com")).toBe("me");
    expect(localUsernameFromResource(split, "acct:me@social.example.com")).toBe("me");
    expect(localUsernameFromResource(split, "https://social.example.com/@me")).toBe("me");
    expect(localUsernameFromResource(split, "https://social.example.com/users/me")).toBe("me");
    expect(localUsernameFromResource(split, "acct:me@other.example")).toBeUndefined();
    expect(localUsernameFromResource(split, "https://social.example.com/users/me?x=1")).toBeUndefined();
    expect(localUsernameFromResource(split, "https://social.example.com/@me/123")).toBeUndefined();
    expect(localUsernameFromResource(split, "acct:instance.actor@example.com")).toBeUndefined();
  });
});
