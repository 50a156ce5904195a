import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { newId } from "../../src/ids";
import { notify } from "../../src/services/notifications";
import { api, BASE, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { type Json, ok } from "../lists/helpers";
import { exec } from "../relationships/helpers";

async function status(author: TestUser, text: string): Promise<number> {
  const id = newId();
  await exec(
    "INSERT INTO statuses (id, account_id, local, visibility, text, content, created_at) VALUES (?, ?, 1, 'public', ?, ?, ?)",
    id,
    author.account.id,
    text,
    `<p>${text}</p>`,
    Date.now(),
  );
  return id;
}

async function mention(to: TestUser, from: TestUser, text: string): Promise<string> {
  const id = await notify(db(), {
    recipientId: to.account.id,
    fromAccountId: from.account.id,
    type: "mention",
    statusId: await status(from, text),
  });
  if (id === undefined) throw new Error("notification was not created");
  return String(id);
}

async function list(user: TestUser, query = ""): Promise<Json[]> {
  const res = await api(`/api/v1/notifications${query}`, { token: user.token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json[];
  expectEntity("Notification", body, { array: true });
  return body;
}

async function filter(user: TestUser, keyword: string, action: "warn" | "hide", context = ["notifications"]): Promise<Json> {
  return ok(`/api/v2/filters`, user.token, "POST", {
    title: keyword,
    context,
    filter_action: action,
    keywords_attributes: [{ keyword }],
  });
}

describe("filters in the notifications context", () => {
  it("drops notifications a hide filter matches and marks the ones a warn filter matches", async () => {
    const [me, bob] = [await createTestUser(), await createTestUser()];
    const follow = await notify(db(), { recipientId: me.account.id, fromAccountId: bob.account.id, type: "follow" });
    const plain = await mention(me, bob, "hello there");
    const spoiler = await mention(me, bob, "the finale was great");
    const warned = await mention(me, bob, "cats are great");

    await filter(me, "finale", "hide");
    const warn = await filter(me, "cats", "warn");
    // A filter for other contexts does nothing here.
    await filter(me, "hello", "hide", ["home", "public"]);

    const items = await list(me);
    expect(items.map((n) => n.id)).toEqual([warned, plain, String(follow)]);
    const warnedStatus = items[0]?.status as Json;
    expectEntity("Status", warnedStatus);
    expect(warnedStatus.filtered).toEqual([
      {
        filter: expect.objectContaining({ id: warn.id, title: "cats", filter_action: "warn", context: ["notifications"] }),
        keyword_matches: ["cats"],
        status_matches: null,
      },
    ]);
    expect((items[1]?.status as Json | undefined)?.filtered).toEqual([]);

    // A page with a hidden notification in it is filled from the rows after it.
    const page = await api("/api/v1/notifications?limit=2", { token: me.token });
    const first = (await page.json()) as Json[];
    expect(first.map((n) => n.id)).toEqual([warned, plain]);

    // Fetching the hidden one by id shows it, marked, as Mastodon's single-notification route does.
    const single = await ok<Json>(`/api/v1/notifications/${spoiler}`, me.token);
    expectEntity("Notification", single);
    expect(((single.status as Json).filtered as Json[])[0]).toMatchObject({ keyword_matches: ["finale"] });
  });

  it("keeps notifications about the viewer's own statuses, marked", async () => {
    const [me, bob] = [await createTestUser(), await createTestUser()];
    const mine = await status(me, "my finale post");
    const fav = await notify(db(), {
      recipientId: me.account.id,
      fromAccountId: bob.account.id,
      type: "favourite",
      statusId: mine,
    });
    await filter(me, "finale", "hide");
    const items = await list(me);
    expect(items.map((n) => n.id)).toEqual([String(fav)]);
    expect((items[0]?.status as Json | undefined)?.filtered).toHaveLength(1);
  });
});

describe("filters_changed events", () => {
  /** Drives the app with a FANOUT queue that records what it is sent. */
  async function recorded(
    user: TestUser,
    path: string,
    method: string,
    json?: unknown,
  ): Promise<{ status: number; body: Json; sent: unknown[] }> {
    const sent: unknown[] = [];
    const FANOUT = { send: async (body: unknown) => void sent.push(body), sendBatch: async () => {} } as unknown as Queue;
    const ctx = createExecutionContext();
    const headers: Record<string, string> = { authorization: `Bearer ${user.token}` };
    if (json !== undefined) headers["content-type"] = "application/json";
    const res = await createApp().fetch(
      new Request(`${BASE}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) }),
      { ...env, FANOUT },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: res.status, body: (await res.json()) as Json, sent };
  }

  it("raises filters_changed after each create, update and delete of filters, keywords and statuses", async () => {
    const me = await createTestUser();
    const other = await createTestUser();
    const event = { type: "filters.changed", v: 1, accountId: me.account.id };
    const target = await status(other, "some status");

    const created = await recorded(me, "/api/v2/filters", "POST", {
      title: "t",
      context: ["home"],
      keywords_attributes: [{ keyword: "a" }],
    });
    expect(created.status).toBe(200);
    expect(created.sent).toEqual([event]);
    const id = created.body.id as string;

    const steps: Array<[string, string, unknown?]> = [
      [`/api/v2/filters/${id}`, "PUT", { title: "t2" }],
      [`/api/v2/filters/${id}/keywords`, "POST", { keyword: "b" }],
      [`/api/v2/filters/${id}/statuses`, "POST", { status_id: String(target) }],
      ["/api/v1/filters", "POST", { phrase: "c", context: ["home"] }],
    ];
    const results: Json[] = [];
    for (const [path, method, json] of steps) {
      const r = await recorded(me, path, method, json);
      expect(r.status, `${method} ${path}`).toBe(200);
      expect(r.sent, `${method} ${path}`).toEqual([event]);
      results.push(r.body);
    }
    const keywordId = results[1]?.id as string;
    const statusFilterId = results[2]?.id as string;
    const v1Id = results[3]?.id as string;
    for (const [path, method, json] of [
      [`/api/v2/filters/keywords/${keywordId}`, "PATCH", { keyword: "bb" }],
      [`/api/v1/filters/${v1Id}`, "PUT", { phrase: "cc", context: ["home"] }],
      [`/api/v2/filters/keywords/${keywordId}`, "DELETE"],
      [`/api/v2/filters/statuses/${statusFilterId}`, "DELETE"],
      [`/api/v1/filters/${v1Id}`, "DELETE"],
      [`/api/v2/filters/${id}`, "DELETE"],
    ] as Array<[string, string, unknown?]>) {
      const r = await recorded(me, path, method, json);
      expect(r.status, `${method} ${path}`).toBe(200);
      expect(r.sent, `${method} ${path}`).toEqual([event]);
    }
  });

  it("raises nothing for reads and for changes that fail", async () => {
    const me = await createTestUser();
    expect((await recorded(me, "/api/v2/filters", "GET")).sent).toEqual([]);
    const bad = await recorded(me, "/api/v2/filters", "POST", { title: "", context: [] });
    expect(bad.status).toBe(422);
    expect(bad.sent).toEqual([]);
    const missing = await recorded(me, "/api/v2/filters/123", "DELETE");
    expect(missing.status).toBe(404);
    expect(missing.sent).toEqual([]);
  });
});
