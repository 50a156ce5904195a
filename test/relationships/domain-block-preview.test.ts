/** GET /api/v1/domain_blocks/preview: what blocking a domain would end, as Mastodon 4.4 counts it. */
import { describe, expect, it } from "vitest";
import { api, createTestUser, uniqueName } from "../helpers/fixtures";
import { count, exec, expectError, remoteAccount } from "./helpers";

async function followRow(from: number, to: number): Promise<void> {
  await exec(
    "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
    Date.now() * 4096 + Math.floor(Math.random() * 4096),
    from,
    to,
    Date.now(),
  );
}

describe("GET /api/v1/domain_blocks/preview", () => {
  it("counts the accounts on the domain the user follows and that follow the user, and blocks nothing", async () => {
    const me = await createTestUser();
    const domain = `${uniqueName("d")}.example`;
    const [a, b, c] = [await remoteAccount(domain), await remoteAccount(domain), await remoteAccount(domain)];
    const elsewhere = await remoteAccount(`${uniqueName("e")}.example`);
    await followRow(me.account.id, a);
    await followRow(me.account.id, b);
    await followRow(me.account.id, elsewhere);
    await followRow(c, me.account.id);

    const res = await api(`/api/v1/domain_blocks/preview?domain=${domain.toUpperCase()}`, { token: me.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ following_count: 2, followers_count: 1 });
    expect(await count("SELECT count(*) AS n FROM account_domain_blocks WHERE account_id = ?", me.account.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM follows WHERE account_id = ?", me.account.id)).toBe(3);
  });

  it("answers zeros for a domain with nobody the user knows", async () => {
    const me = await createTestUser();
    const res = await api(`/api/v1/domain_blocks/preview?domain=${uniqueName("n")}.example`, { token: me.token });
    expect(await res.json()).toEqual({ following_count: 0, followers_count: 0 });
  });

  it("needs a user token with a write or follow scope", async () => {
    await expectError(await api("/api/v1/domain_blocks/preview?domain=example.com"), 401, "The access token is invalid");
    const reader = await createTestUser({ scopes: "read" });
    await expectError(
      await api("/api/v1/domain_blocks/preview?domain=example.com", { token: reader.token }),
      403,
      "This action is outside the authorized scopes",
    );
    const follower = await createTestUser({ scopes: "follow" });
    expect((await api("/api/v1/domain_blocks/preview?domain=example.com", { token: follower.token })).status).toBe(200);
  });

  it("refuses a missing or invalid domain with 422", async () => {
    const me = await createTestUser();
    await expectError(
      await api("/api/v1/domain_blocks/preview", { token: me.token }),
      422,
      "Validation failed: Domain can't be blank",
    );
    await expectError(
      await api("/api/v1/domain_blocks/preview?domain=not%20a%20domain", { token: me.token }),
      422,
      "Validation failed: Domain is not a valid domain name",
    );
  });
});
