/**
 * GET /api/v1/bookmarks and /api/v1/favourites: newest bookmark/favourite first, paged by the row's own
 * id through the Link header (as Mastodon), hydrated statuses, visibility and scopes respected.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { expectError, post, type StatusJson } from "../statuses/helpers";

type Kind = "bookmarks" | "favourites";
const ACTION: Record<Kind, string> = { bookmarks: "bookmark", favourites: "favourite" };

async function save(user: TestUser, kind: Kind, statusId: string): Promise<void> {
  const res = await api(`/api/v1/statuses/${statusId}/${ACTION[kind]}`, { token: user.token, method: "POST" });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function list(user: TestUser, kind: Kind, query = ""): Promise<{ statuses: StatusJson[]; link: string | null }> {
  const res = await api(`/api/v1/${kind}${query}`, { token: user.token });
  const statuses = (await res.json()) as StatusJson[];
  expect(res.status, JSON.stringify(statuses)).toBe(200);
  expectEntity("Status", statuses, { array: true });
  return { statuses, link: res.headers.get("link") };
}

function cursor(link: string | null, rel: "next" | "prev"): { param: string; value: string } | undefined {
  const m = new RegExp(`<([^>]+)>; rel="${rel}"`).exec(link ?? "");
  if (!m) return undefined;
  const url = new URL(m[1] as string);
  for (const param of ["max_id", "min_id", "since_id"]) {
    const value = url.searchParams.get(param);
    if (value) return { param, value };
  }
  return undefined;
}

async function rowId(kind: Kind, accountId: number, statusId: string): Promise<string> {
  const row = await env.DB.prepare(`SELECT id FROM ${kind} WHERE account_id = ? AND status_id = ?`)
    .bind(accountId, Number(statusId))
    .first<{ id: number }>();
  return String(row?.id);
}

describe.each(["bookmarks", "favourites"] as const)("GET /api/v1/%s", { timeout: 30_000 }, (kind) => {
  it("lists in the order saved, newest first, paged by the row ids with Link headers", async () => {
    const author = await createTestUser();
    const me = await createTestUser();
    const s1 = await post(author, `${kind} one`);
    const s2 = await post(author, `${kind} two`);
    const s3 = await post(author, `${kind} three`);
    // Saved out of status order: the list follows the order of saving, not the status ids.
    for (const s of [s1, s3, s2]) await save(me, kind, s.id);

    const all = await list(me, kind);
    expect(all.statuses.map((s) => s.id)).toEqual([s2.id, s3.id, s1.id]);
    const flag = kind === "bookmarks" ? "bookmarked" : "favourited";
    expect(all.statuses.every((s) => s[flag] === true)).toBe(true);

    const first = await list(me, kind, "?limit=2");
    expect(first.statuses.map((s) => s.id)).toEqual([s2.id, s3.id]);
    expect(cursor(first.link, "next")).toEqual({ param: "max_id", value: await rowId(kind, me.account.id, s3.id) });
    expect(cursor(first.link, "prev")).toEqual({ param: "min_id", value: await rowId(kind, me.account.id, s2.id) });

    const next = cursor(first.link, "next");
    const second = await list(me, kind, `?limit=2&max_id=${next?.value}`);
    expect(second.statuses.map((s) => s.id)).toEqual([s1.id]);
    expect(cursor(second.link, "next")).toBeUndefined();

    const newer = await list(me, kind, `?min_id=${cursor(first.link, "prev")?.value}`);
    expect(newer.statuses).toEqual([]);
    expect(newer.link).toBeNull();
    const forward = await list(me, kind, `?limit=1&min_id=${await rowId(kind, me.account.id, s1.id)}`);
    expect(forward.statuses.map((s) => s.id)).toEqual([s3.id]);
  });

  it("leaves out statuses the viewer can no longer see, and removed ones", async () => {
    const author = await createTestUser();
    const me = await createTestUser();
    expect((await api(`/api/v1/accounts/${author.account.id}/follow`, { token: me.token, method: "POST" })).status).toBe(200);
    const secret = await post(author, { status: `${kind} followers only`, visibility: "private" });
    const open = await post(author, `${kind} public`);
    await save(me, kind, secret.id);
    await save(me, kind, open.id);
    expect((await list(me, kind)).statuses.map((s) => s.id)).toEqual([open.id, secret.id]);

    expect((await api(`/api/v1/accounts/${author.account.id}/unfollow`, { token: me.token, method: "POST" })).status).toBe(200);
    expect((await list(me, kind)).statuses.map((s) => s.id)).toEqual([open.id]);

    const undo = kind === "bookmarks" ? "unbookmark" : "unfavourite";
    expect((await api(`/api/v1/statuses/${open.id}/${undo}`, { token: me.token, method: "POST" })).status).toBe(200);
    expect((await list(me, kind)).statuses).toEqual([]);
    // Someone else's list is their own.
    expect((await list(author, kind)).statuses).toEqual([]);
  });

  it(`needs a user token with read:${kind}`, async () => {
    const other: Kind = kind === "bookmarks" ? "favourites" : "bookmarks";
    const wrong = await createTestUser({ scopes: `read:${other}` });
    const right = await createTestUser({ scopes: `read:${kind}` });
    await expectError(await api(`/api/v1/${kind}`, { token: wrong.token }), 403, "This action is outside the authorized scopes");
    expect((await api(`/api/v1/${kind}`, { token: right.token })).status).toBe(200);
    expect((await api(`/api/v1/${kind}`)).status).toBe(401);
    await expectError(await api(`/api/v1/${kind}?max_id=abc`, { token: right.token }), 400, "max_id must be a numeric id");
  });
});
