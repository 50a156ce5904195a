import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { linkOf, tokenFor } from "../lists/helpers";
import { createCollection, expectError, featureable, ids, type Json, ok } from "./helpers";

type Page = { collections: Json[] };

describe("an account's collections", () => {
  it("lists them newest first, discoverable ones only for others, wrapped in `collections`", async () => {
    const alice = await createTestUser();
    const first = await createCollection(alice, { name: "first" });
    const hidden = await createCollection(alice, { name: "hidden", discoverable: false });
    const third = await createCollection(alice, { name: "third" });
    const path = `/api/v1/accounts/${alice.account.id}/collections`;

    const mine = await ok<Page>(path, alice.token);
    expectEntity("Collection", mine.collections, { array: true });
    expect(ids(mine.collections)).toEqual([third.id, hidden.id, first.id].map(String));
    for (const token of [undefined, (await createTestUser()).token]) {
      const theirs = await ok<Page>(path, token);
      expectEntity("Collection", theirs.collections, { array: true });
      expect(ids(theirs.collections)).toEqual([third.id, first.id].map(String));
    }
  });

  it("pages by offset and limit with Link headers", async () => {
    const alice = await createTestUser();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.unshift(String((await createCollection(alice, { name: `c${i}` })).id));
    const base = `/api/v1/accounts/${alice.account.id}/collections`;
    const seen: string[] = [];
    let path: string | undefined = `${base}?limit=2`;
    let pages = 0;
    while (path) {
      const res = await api(path);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Page;
      seen.push(...ids(body.collections));
      if (pages > 0) expect(linkOf(res, "prev")).toBeDefined();
      path = linkOf(res, "next");
      pages += 1;
      expect(pages).toBeLessThan(5);
    }
    expect(seen).toEqual(made);
    expect(pages).toBe(3);
    const middle = await ok<Page>(`${base}?limit=2&offset=2`, undefined);
    expect(ids(middle.collections)).toEqual(made.slice(2, 4));
    const first = await api(`${base}?limit=2`);
    expect(linkOf(first, "prev")).toBeUndefined();
    expect(linkOf(first, "next")).toBe(`${base}?limit=2&offset=2`);
  });

  it("is empty when the owner blocks the viewer, 404 for unknown accounts, and checks read:collections", async () => {
    const alice = await createTestUser();
    const eve = await createTestUser();
    await createCollection(alice);
    const path = `/api/v1/accounts/${alice.account.id}/collections`;
    await ok(`/api/v1/accounts/${eve.account.id}/block`, alice.token, "POST", {});
    expect(await ok<Page>(path, eve.token)).toEqual({ collections: [] });
    await expectError(await api("/api/v1/accounts/987654321/collections"), 404, "Record not found");
    await expectError(
      await api(path, { token: await tokenFor(alice, "write") }),
      403,
      "This action is outside the authorized scopes",
    );
  });
});

describe("collections an account is featured in", () => {
  it("lists the collections that accept the signed-in account, to that account only", async () => {
    const bob = await featureable();
    const [alice, carol] = [await createTestUser(), await createTestUser()];
    const a = await createCollection(alice, { account_ids: [String(bob.account.id)] });
    await createCollection(alice, { name: "without bob" });
    const c = await createCollection(carol, { account_ids: [String(bob.account.id)], discoverable: false });
    const revoked = await createCollection(carol, { name: "revoked", account_ids: [String(bob.account.id)] });
    const revokedItem = (revoked.items as Json[])[0] as Json;
    const revoke = await api(`/api/v1/collections/${revoked.id}/items/${revokedItem.id}/revoke`, {
      token: bob.token,
      method: "POST",
    });
    expect(revoke.status).toBe(200);

    const path = `/api/v1/accounts/${bob.account.id}/in_collections`;
    const body = await ok<Page>(path, bob.token);
    expectEntity("Collection", body.collections, { array: true });
    expect(ids(body.collections)).toEqual([c.id, a.id].map(String));

    const paged = await api(`${path}?limit=1`, { token: bob.token });
    expect(ids(((await paged.json()) as Page).collections)).toEqual([String(c.id)]);
    expect(linkOf(paged, "next")).toBe(`${path}?limit=1&offset=1`);

    await expectError(await api(path, { token: alice.token }), 403, "This action is not allowed");
    await expectError(await api(path), 422, "This method requires an authenticated user");
    await expectError(await api("/api/v1/accounts/987654321/in_collections", { token: bob.token }), 404, "Record not found");
  });
});
