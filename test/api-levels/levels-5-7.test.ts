/**
 * API levels 5-7: `blur` filters (4.4), featured accounts (endorsements), and the 4.5 push alert types
 * `quote` and `quoted_update`, pushed for those notifications.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { newId } from "../../src/ids";
import { pushNotification } from "../../src/push/deliver";
import { notify } from "../../src/services/notifications";
import { relate } from "../feeds/helpers";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { PATH, subscribe } from "../push/helpers";
import { decryptAes128gcm } from "../push/push-crypto";

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

interface FilteredStatus {
  id: string;
  filtered?: Array<{ filter: { filter_action: string; title: string }; keyword_matches: string[] | null }>;
}

describe("level 5: filter_action blur", () => {
  it("is accepted, stored, returned, and applied as a warning (statuses kept, marked in `filtered`)", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const blur = await json<{ id: string; filter_action: string }>(
      await api("/api/v2/filters", {
        token: alice.token,
        json: {
          title: "Blur finales",
          context: ["account"],
          filter_action: "blur",
          keywords_attributes: [{ keyword: "finale" }],
        },
      }),
    );
    expectEntity("Filter", blur);
    expect(blur.filter_action).toBe("blur");
    const read = await json<{ filter_action: string }>(await api(`/api/v2/filters/${blur.id}`, { token: alice.token }));
    expect(read.filter_action).toBe("blur");
    await json(
      await api("/api/v2/filters", {
        token: alice.token,
        json: {
          title: "Hide spoilers",
          context: ["account"],
          filter_action: "hide",
          keywords_attributes: [{ keyword: "spoiler" }],
        },
      }),
    );

    const blurred = await json<{ id: string }>(
      await api("/api/v1/statuses", { token: bob.token, json: { status: "the finale!" } }),
    );
    const hidden = await json<{ id: string }>(await api("/api/v1/statuses", { token: bob.token, json: { status: "a spoiler" } }));
    const plain = await json<{ id: string }>(await api("/api/v1/statuses", { token: bob.token, json: { status: "hello" } }));

    const list = await json<FilteredStatus[]>(await api(`/api/v1/accounts/${bob.account.id}/statuses`, { token: alice.token }));
    expectEntity("Status", list, { array: true });
    expect(list.map((s) => s.id)).toEqual([plain.id, blurred.id]);
    const marked = list.find((s) => s.id === blurred.id);
    expect(marked?.filtered?.map((f) => [f.filter.title, f.filter.filter_action, f.keyword_matches])).toEqual([
      ["Blur finales", "blur", ["finale"]],
    ]);
    expect(list.find((s) => s.id === plain.id)?.filtered).toEqual([]);
    expect(list.some((s) => s.id === hidden.id)).toBe(false);

    // The v1 view of a blur filter is a reversible one.
    const v1 = await json<Array<{ phrase: string; irreversible: boolean }>>(await api("/api/v1/filters", { token: alice.token }));
    expect(v1.find((f) => f.phrase === "finale")?.irreversible).toBe(false);
  });

  it("refuses an unknown filter_action with Mastodon's 422 and creates nothing", async () => {
    const alice = await createTestUser();
    const res = await api("/api/v2/filters", {
      token: alice.token,
      json: { title: "x", context: ["home"], filter_action: "blurry", keywords_attributes: [{ keyword: "x" }] },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: "Validation failed: Action is not included in the list" });
    expect(await json(await api("/api/v2/filters", { token: alice.token }))).toEqual([]);
  });
});

describe("level 6: featured accounts", () => {
  it("POST /api/v1/accounts/:id/endorse and GET /api/v1/accounts/:id/endorsements respond", async () => {
    const me = await createTestUser();
    const them = await createTestUser();
    await relate(me, them.account.id, "follow");
    const rel = await json<{ endorsed: boolean }>(
      await api(`/api/v1/accounts/${them.account.id}/endorse`, { token: me.token, method: "POST" }),
    );
    expectEntity("Relationship", rel);
    expect(rel.endorsed).toBe(true);
    const list = await json<Array<{ id: string }>>(await api(`/api/v1/accounts/${me.account.id}/endorsements`));
    expectEntity("Account", list, { array: true });
    expect(list.map((a) => a.id)).toEqual([String(them.account.id)]);
  });
});

describe("level 7: quote push alerts", () => {
  it("subscribes to quote and quoted_update, returns them, and updates them", async () => {
    const alice = await createTestUser();
    const sub = await subscribe(alice, { alerts: { quote: true, quoted_update: true, mention: true } });
    expect(sub.body.alerts).toMatchObject({ quote: true, quoted_update: true, mention: true, favourite: false });

    const res = await api(PATH, {
      token: alice.token,
      method: "PUT",
      form: { "data[alerts][quote]": "false", "data[alerts][quoted_update]": "true" },
    });
    const body = await json<{ alerts: Record<string, boolean> }>(res);
    expectEntity("WebPushSubscription", body);
    expect(body.alerts).toMatchObject({ quote: false, quoted_update: true });
  });

  async function statusOf(author: TestUser, text: string): Promise<number> {
    const id = newId();
    await env.DB.prepare(
      "INSERT INTO statuses (id, account_id, local, visibility, text, content, created_at) VALUES (?, ?, 1, 'public', ?, ?, ?)",
    )
      .bind(id, author.account.id, text, `<p>${text}</p>`, Date.now())
      .run();
    return id;
  }

  it("pushes quote and quoted_update notifications to subscriptions that asked, with Mastodon's titles", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await env.DB.prepare("UPDATE accounts SET display_name = 'Bob Q' WHERE id = ?").bind(bob.account.id).run();
    const sub = await subscribe(alice, { alerts: { quote: true, quoted_update: true } });
    const quoting = await statusOf(bob, "look at this");

    for (const [type, title] of [
      ["quote", "Bob Q quoted your post"],
      ["quoted_update", "Bob Q edited a post you have quoted"],
    ] as const) {
      const id = await notify(createDb(env.DB), {
        recipientId: alice.account.id,
        fromAccountId: bob.account.id,
        type,
        statusId: quoting,
      });
      if (id === undefined) throw new Error("no notification");
      const seen: Uint8Array[] = [];
      const fetcher = async (input: RequestInfo | URL, init?: RequestInit) => {
        seen.push(new Uint8Array(await new Request(input, init).arrayBuffer()));
        return new Response(null, { status: 201 });
      };
      const outcome = await pushNotification(env, id, alice.account.id, { fetcher });
      expect(outcome.delivered, type).toEqual([Number(sub.id)]);
      const [body] = seen;
      if (!body) throw new Error("nothing pushed");
      const payload = JSON.parse((await decryptAes128gcm(body, sub.keys)).plaintext) as Record<string, unknown>;
      expect(payload).toMatchObject({ notification_type: type, notification_id: id, title, body: "look at this" });
    }
  });

  it("does not push quotes to a subscription without the alert", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await subscribe(alice, { alerts: { mention: true } });
    const id = await notify(createDb(env.DB), {
      recipientId: alice.account.id,
      fromAccountId: bob.account.id,
      type: "quote",
      statusId: await statusOf(bob, "q"),
    });
    if (id === undefined) throw new Error("no notification");
    let calls = 0;
    const outcome = await pushNotification(env, id, alice.account.id, {
      fetcher: async () => {
        calls += 1;
        return new Response(null, { status: 201 });
      },
    });
    expect(calls).toBe(0);
    expect(outcome.delivered).toEqual([]);
  });
});
