/**
 * LOCAL_DOMAIN ≠ WEB_DOMAIN: handles are @user@example.com, Petrel is served from social.example.com,
 * and the apex forwards /.well-known/* to the same Worker (docs/domains.md).
 */
import { describe, expect, it } from "vitest";
import { createTestUser, uniqueName } from "../helpers/fixtures";
import { fetchWithEnv, SPLIT_DOMAINS } from "../instance/helpers";

interface Jrd {
  subject: string;
  aliases: string[];
  links: Array<{ rel: string; href?: string; template?: string }>;
}

describe("split domains", () => {
  it("answers acct:user@LOCAL_DOMAIN on the web domain and on the apex identically", async () => {
    const { account } = await createTestUser({ username: uniqueName("me") });
    const name = account.username;
    const query = `/.well-known/webfinger?resource=acct:${name}@example.com`;
    const onWeb = await fetchWithEnv(`https://social.example.com${query}`, SPLIT_DOMAINS);
    expect(onWeb.status).toBe(200);
    expect(onWeb.headers.get("content-type")).toMatch(/^application\/jrd\+json/);
    const body = await onWeb.json<Jrd>();
    expect(body).toEqual({
      subject: `acct:${name}@example.com`,
      aliases: [`https://social.example.com/@${name}`, `https://social.example.com/users/${name}`],
      links: [
        { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: `https://social.example.com/@${name}` },
        { rel: "self", type: "application/activity+json", href: `https://social.example.com/users/${name}` },
        {
          rel: "http://ostatus.org/schema/1.0/subscribe",
          template: "https://social.example.com/authorize_interaction?uri={uri}",
        },
      ],
    });

    const onApex = await fetchWithEnv(`https://example.com${query}`, SPLIT_DOMAINS);
    expect(onApex.status).toBe(200);
    expect(onApex.headers.get("access-control-allow-origin")).toBe("*");
    expect(await onApex.json()).toEqual(body);
  });

  it("also accepts the web domain and the web-domain URLs in the resource", async () => {
    const { account } = await createTestUser();
    const name = account.username;
    for (const resource of [
      `acct:${name}@social.example.com`,
      `https://social.example.com/@${name}`,
      `https://social.example.com/users/${name}`,
    ]) {
      const res = await fetchWithEnv(
        `https://social.example.com/.well-known/webfinger?resource=${encodeURIComponent(resource)}`,
        SPLIT_DOMAINS,
      );
      expect(res.status).toBe(200);
      expect((await res.json<Jrd>()).subject).toBe(`acct:${name}@example.com`);
    }
    const other = await fetchWithEnv(
      `https://social.example.com/.well-known/webfinger?resource=acct:${name}@elsewhere.example`,
      SPLIT_DOMAINS,
    );
    expect(other.status).toBe(404);
  });

  it("points host-meta and nodeinfo at the web domain, even when asked on the apex", async () => {
    const hostMeta = await fetchWithEnv("https://example.com/.well-known/host-meta", SPLIT_DOMAINS);
    expect(await hostMeta.text()).toContain('template="https://social.example.com/.well-known/webfinger?resource={uri}"');
    const nodeinfo = await fetchWithEnv("https://example.com/.well-known/nodeinfo", SPLIT_DOMAINS);
    const links = (await nodeinfo.json<{ links: Array<{ href: string }> }>()).links.map((l) => l.href);
    expect(links).toEqual(["https://social.example.com/nodeinfo/2.0", "https://social.example.com/nodeinfo/2.1"]);
  });
});
