/**
 * Settings → Import: a CSV file uploaded through the real page, confirmed, then applied by the FANOUT
 * consumer's `import.rows` pages against real D1: follows (local, and remote through WebFinger with a
 * Follow delivered), the overwrite mode, blocks, mutes, domain blocks, bookmarks and lists, the
 * failures file, Mastodon's errors for bad files, pages delivered twice, and the vacuum.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { localStatusUri } from "../../src/entities/status";
import { handleFanout } from "../../src/queue/fanout";
import type { FanoutMessage } from "../../src/queue/messages";
import { type ImportType, ROWS_PROCESSING_LIMIT } from "../../src/services/imports/csv";
import { confirmImport, createImport, findImport, vacuumImports } from "../../src/services/imports/imports";
import { processImport } from "../../src/services/imports/process";
import { FakeNetwork, type RemoteActor, remoteActor, serveActor } from "../federation/helpers";
import { app, follow, insertStatus, spies } from "../federation/outbound-helpers";
import { config, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { Browser } from "./browser";

const PASSWORD = "import password";
type Spies = ReturnType<typeof spies>;

const csv = (name: string, text: string) => new File([text], name, { type: "text/csv" });
const handle = (u: TestUser) => `${u.account.username}@${config().localDomain}`;

function serveWebfinger(net: FakeNetwork, actor: RemoteActor): string {
  const host = new URL(actor.id).host;
  const name = actor.id.split("/").pop() as string;
  net.json(
    `https://${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${name}@${host}`)}`,
    { subject: `acct:${name}@${host}`, links: [{ rel: "self", type: "application/activity+json", href: actor.id }] },
    { contentType: "application/jrd+json" },
  );
  return `${name}@${host}`;
}

async function signedIn(user: TestUser, s: Spies): Promise<Browser> {
  const browser = new Browser({
    fetch: async (request) => app.fetch(request, { ...env, ...s.overrides }, createExecutionContext()),
  });
  await browser.signIn(user.account.username, PASSWORD);
  return browser;
}

/** Runs the queued FANOUT messages (import pages with the fake network) until none are left. */
async function drain(s: Spies, net = new FakeNetwork()): Promise<FanoutMessage[]> {
  const seen: FanoutMessage[] = [];
  for (;;) {
    const pending = s.fanout.sent.splice(0) as FanoutMessage[];
    if (pending.length === 0) return seen;
    for (const m of pending) {
      seen.push(m);
      const e = { ...env, ...s.overrides };
      if (m.type === "import.rows") await processImport(e, m, { fetcher: net.fetcher });
      else await handleFanout(e, m);
    }
  }
}

async function one<T>(query: string, ...binds: unknown[]): Promise<T | null> {
  return env.DB.prepare(query)
    .bind(...binds)
    .first<T>();
}

async function counters(importId: number) {
  return one<{ state: string; total_items: number; processed_items: number; imported_items: number }>(
    "SELECT state, total_items, processed_items, imported_items FROM bulk_imports WHERE id = ?",
    importId,
  );
}

/** An import made and confirmed through the service (the page itself is covered by the first tests). */
async function started(s: Spies, user: TestUser, type: ImportType, text: string, mode: "merge" | "overwrite" = "merge") {
  const created = await createImport(db(), config(), user.account.id, { type, mode, file: csv("upload.csv", text) });
  if (!created.ok) throw new Error(created.errors.join("; "));
  await confirmImport(db(), s.overrides.FANOUT, created.import);
  return created.import.id;
}

describe("data import", () => {
  it("uploads a follows file, asks for confirmation, then follows local and remote accounts and lists the failures", async () => {
    const [me, local] = [await createTestUser({ password: PASSWORD }), await createTestUser()];
    const net = new FakeNetwork();
    const peer = await remoteActor();
    serveActor(net, peer);
    const peerHandle = serveWebfinger(net, peer);
    const ghost = `ghost@${new URL(peer.id).host}`;
    const s = spies();
    const browser = await signedIn(me, s);
    expect((await browser.get("/settings")).html).toContain('href="/settings/imports"');
    expect((await browser.get("/settings/imports")).html).toContain('enctype="multipart/form-data"');

    const file = [
      "Account address,Show boosts,Notify on new posts,Languages",
      `${handle(local)},false,true,en`,
      `@${peerHandle},true,false,`,
      `${ghost},true,false,`,
    ].join("\n");
    const confirm = await browser.upload(
      "/settings/imports",
      { type: "following", mode: "merge" },
      { data: csv("following_accounts.csv", file) },
    );
    expect(confirm.status).toBe(200);
    expect(confirm.path).toMatch(/^\/settings\/imports\/\d+$/);
    expect(confirm.html).toContain("<strong>3</strong> accounts to follow from <strong>following_accounts.csv</strong>");
    expect(confirm.html).not.toContain("wrong type");
    const id = Number(confirm.path.split("/").pop());
    // Nothing happens before the confirmation.
    expect(s.fanout.sent).toEqual([]);
    expect((await counters(id))?.state).toBe("unconfirmed");

    const confirmed = await browser.post(`/settings/imports/${id}/confirm`, {});
    expect(confirmed.path).toBe("/settings/imports?notice=import_started");
    expect(confirmed.html).toContain("Your import has started.");
    expect(s.fanout.sent).toEqual([{ type: "import.rows", v: 1, importId: id, phase: "rows", after: 0 }]);
    expect((await counters(id))?.state).toBe("scheduled");
    await drain(s, net);

    expect(
      await one(
        "SELECT show_reblogs, notify, languages FROM follows WHERE account_id = ? AND target_account_id = ?",
        me.account.id,
        local.account.id,
      ),
    ).toEqual({ show_reblogs: 0, notify: 1, languages: '["en"]' });
    const remote = await one<{ id: number }>("SELECT id FROM accounts WHERE uri = ?", peer.id);
    expect(remote).not.toBeNull();
    expect(
      await one(
        "SELECT 1 AS pending FROM follow_requests WHERE account_id = ? AND target_account_id = ?",
        me.account.id,
        remote?.id,
      ),
    ).toEqual({ pending: 1 });
    const follows = s.take().filter((d) => d.activity.type === "Follow");
    expect(follows).toHaveLength(1);
    expect(follows[0]?.activity).toMatchObject({ object: peer.id });
    expect(await counters(id)).toEqual({ state: "finished", total_items: 3, processed_items: 3, imported_items: 2 });

    const index = await browser.get("/settings/imports");
    expect(index.html).toContain("Finished");
    expect(index.html).toContain("3 / 3");
    expect(index.html).toContain(`href="/settings/imports/${id}/failures.csv"`);
    const failures = await browser.get(`/settings/imports/${id}/failures.csv`);
    expect(failures.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(failures.html).toBe(`Account address,Show boosts,Notify on new posts,Languages\n${ghost},true,false,\n`);
    // Another account sees none of it.
    const stranger = await createTestUser({ password: PASSWORD });
    const other = await signedIn(stranger, s);
    expect((await other.get(`/settings/imports/${id}/failures.csv`)).status).toBe(404);
    expect((await other.post(`/settings/imports/${id}/confirm`, {})).status).toBe(404);
  });

  it("overwrites: keeps what the file names (with its options), unfollows the rest, follows the new", async () => {
    const [me, kept, dropped, added] = [
      await createTestUser({ password: PASSWORD }),
      await createTestUser(),
      await createTestUser(),
      await createTestUser(),
    ];
    await follow(me.account.id, kept.account.id);
    await follow(me.account.id, dropped.account.id);
    const s = spies();
    const id = await started(
      s,
      me,
      "following",
      `Account address,Show boosts,Notify on new posts,Languages\n${handle(kept)},false,false,\n${added.account.username},true,false,\n`,
      "overwrite",
    );
    expect(s.fanout.sent).toEqual([{ type: "import.rows", v: 1, importId: id, phase: "overwrite", after: 0 }]);
    const ran = await drain(s);
    expect(ran.filter((m) => m.type === "import.rows").map((m) => (m as { phase: string }).phase)).toEqual(["overwrite", "rows"]);
    const following = await env.DB.prepare(
      "SELECT target_account_id AS id, show_reblogs FROM follows WHERE account_id = ? ORDER BY id",
    )
      .bind(me.account.id)
      .all<{ id: number; show_reblogs: number }>();
    expect(following.results.map((r) => [r.id, r.show_reblogs]).sort()).toEqual(
      [
        [kept.account.id, 0],
        [added.account.id, 1],
      ].sort(),
    );
    expect(await counters(id)).toEqual({ state: "finished", total_items: 2, processed_items: 2, imported_items: 2 });
  });

  it("imports blocks, mutes, domain blocks, bookmarks and lists", async () => {
    const me = await createTestUser({ password: PASSWORD });
    const [troll, noisy, author, friend, old, stays] = await Promise.all(Array.from({ length: 6 }, () => createTestUser()));
    if (!troll || !noisy || !author || !friend || !old || !stays) throw new Error("users");
    const s = spies();
    await started(s, me, "blocking", `${handle(troll)}\n`);
    await started(s, me, "muting", `Account address,Hide notifications\n${handle(noisy)},false\n`);
    await started(s, me, "domain_blocking", "Bad.Example\n");
    const visible = await insertStatus(author.account.id);
    const hidden = await insertStatus(author.account.id, { visibility: "private" });
    const uri = (statusId: number) => localStatusUri(config(), author.account.username, { id: statusId, reblogOfId: null });
    const bookmarks = await started(s, me, "bookmarks", `${uri(visible)}\n${uri(hidden)}\n`);
    await drain(s);
    expect(
      await one("SELECT 1 AS x FROM blocks WHERE account_id = ? AND target_account_id = ?", me.account.id, troll.account.id),
    ).toEqual({ x: 1 });
    expect(
      await one(
        "SELECT hide_notifications FROM mutes WHERE account_id = ? AND target_account_id = ?",
        me.account.id,
        noisy.account.id,
      ),
    ).toEqual({ hide_notifications: 0 });
    expect(await one("SELECT domain FROM account_domain_blocks WHERE account_id = ?", me.account.id)).toEqual({
      domain: "bad.example",
    });
    const marked = await env.DB.prepare("SELECT status_id AS id FROM bookmarks WHERE account_id = ?").bind(me.account.id).all();
    // The private post of an account not followed is not visible, so it is a failure, as in Mastodon.
    expect(marked.results).toEqual([{ id: visible }]);
    expect(await counters(bookmarks)).toMatchObject({ processed_items: 2, imported_items: 1 });

    // Lists, overwriting: lists the file does not name go, named ones keep only the file's members.
    const oldList = await one<{ id: number }>(
      "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES (?, ?, 'Old', 'list', 0, 0) RETURNING id",
      Date.now() * 10,
      me.account.id,
    );
    const friends = await one<{ id: number }>(
      "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES (?, ?, 'Friends', 'list', 0, 0) RETURNING id",
      Date.now() * 10 + 1,
      me.account.id,
    );
    await follow(me.account.id, old.account.id);
    await follow(me.account.id, stays.account.id);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)").bind(oldList?.id, old.account.id),
      env.DB.prepare("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)").bind(friends?.id, stays.account.id),
    ]);
    await started(
      s,
      me,
      "lists",
      `Friends,${handle(friend)}\nFriends,${handle(stays)}\nWork,${friend.account.username}\n`,
      "overwrite",
    );
    await drain(s);
    const lists = await env.DB.prepare(
      `SELECT l.title, group_concat(la.account_id) AS members FROM lists l LEFT JOIN list_accounts la ON la.list_id = l.id
       WHERE l.account_id = ? GROUP BY l.id ORDER BY l.title`,
    )
      .bind(me.account.id)
      .all<{ title: string; members: string }>();
    const members = (m: string) => m.split(",").map(Number).sort();
    expect(lists.results.map((l) => [l.title, members(l.members)])).toEqual([
      ["Friends", [friend.account.id, stays.account.id].sort()],
      ["Work", [friend.account.id]],
    ]);
    // A list member is followed first, as Mastodon does.
    expect(
      await one("SELECT 1 AS x FROM follows WHERE account_id = ? AND target_account_id = ?", me.account.id, friend.account.id),
    ).toEqual({ x: 1 });
  });

  it("refuses bad files with Mastodon's messages and keeps nothing of them", async () => {
    const me = await createTestUser({ password: PASSWORD });
    const s = spies();
    const browser = await signedIn(me, s);
    await browser.get("/settings/imports");
    const refusals: Array<[Record<string, File>, string, string]> = [
      [{}, "following", "Data file can&#39;t be blank"],
      [
        { data: csv("x.csv", 'Account address\n"bob\n') },
        "following",
        "Invalid CSV file. Error: Unclosed quoted field in line 2.",
      ],
      [{ data: csv("x.csv", "Account address\nbob\n") }, "domain_blocking", "Incompatible with the selected import type"],
      [{ data: csv("x.csv", "\n\n") }, "blocking", "Empty CSV file"],
      [
        { data: csv("x.csv", Array.from({ length: ROWS_PROCESSING_LIMIT + 1 }, (_, i) => `u${i}@x.example`).join("\n")) },
        "blocking",
        `Data contains more than ${ROWS_PROCESSING_LIMIT} rows`,
      ],
      [{ data: csv("x.csv", "bob\n") }, "everything", "Import type is not included in the list"],
    ];
    for (const [files, type, message] of refusals) {
      const page = await browser.upload("/settings/imports", { type, mode: "merge" }, files);
      expect(page.status).toBe(422);
      expect(page.html).toContain(message);
    }
    const forged = await browser.upload(
      "/settings/imports",
      { type: "blocking" },
      { data: csv("x.csv", "bob\n") },
      { csrf: false },
    );
    // Rails answers a missing CSRF token with 422, as every settings form here does.
    expect(forged.status).toBe(422);
    expect(await one("SELECT count(*) AS n FROM bulk_imports WHERE account_id = ?", me.account.id)).toEqual({ n: 0 });

    // Cancelled before confirming: the import and its rows are gone; confirming twice queues one page.
    const upload = async () => {
      await browser.get("/settings/imports");
      const page = await browser.upload("/settings/imports", { type: "blocking" }, { data: csv("blocks.csv", "bob\n") });
      return Number(page.path.split("/").pop());
    };
    const cancelled = await upload();
    expect((await browser.post(`/settings/imports/${cancelled}/cancel`, {})).html).toContain("The import has been cancelled.");
    expect(await one("SELECT count(*) AS n FROM bulk_import_rows WHERE import_id = ?", cancelled)).toEqual({ n: 0 });
    expect(await findImport(db(), me.account.id, cancelled)).toBeUndefined();
    const twice = await upload();
    await browser.post(`/settings/imports/${twice}/confirm`, {});
    await browser.post(`/settings/imports/${twice}/confirm`, {});
    expect(s.fanout.sent).toHaveLength(1);
  });

  it("pages through the rows, and a page delivered twice at once counts each row once", async () => {
    const me = await createTestUser();
    const targets = await Promise.all(Array.from({ length: 5 }, () => createTestUser()));
    const s = spies();
    const id = await started(s, me, "blocking", targets.map(handle).join("\n"));
    const e = { ...env, ...s.overrides };
    const [first] = s.fanout.sent.splice(0) as Array<Extract<FanoutMessage, { type: "import.rows" }>>;
    if (!first) throw new Error("no page queued");
    // The queue delivers at least once: the same page twice at the same time reads the same two rows,
    // applies them twice (harmless), and counts them once.
    expect(await Promise.all([processImport(e, first, { rowsPage: 2 }), processImport(e, first, { rowsPage: 2 })])).toEqual([
      "continued",
      "continued",
    ]);
    expect(await counters(id)).toMatchObject({ state: "in_progress", processed_items: 2, imported_items: 2 });
    for (let m = s.fanout.sent.shift(); m; m = s.fanout.sent.shift()) {
      await processImport(e, m as typeof first, { rowsPage: 2 });
    }
    expect(await counters(id)).toEqual({ state: "finished", total_items: 5, processed_items: 5, imported_items: 5 });
    const blocked = await one<{ n: number }>("SELECT count(*) AS n FROM blocks WHERE account_id = ?", me.account.id);
    expect(blocked?.n).toBe(5);
  });

  it("vacuums unconfirmed imports after an hour and finished ones after a week", async () => {
    const me = await createTestUser();
    const now = Date.now();
    const make = async (state: string, age: number) => {
      const created = await createImport(
        db(),
        config(),
        me.account.id,
        { type: "blocking", mode: "merge", file: csv("b.csv", "x\ny\n") },
        now - age,
      );
      if (!created.ok) throw new Error(created.errors.join("; "));
      await env.DB.prepare("UPDATE bulk_imports SET state = ? WHERE id = ?").bind(state, created.import.id).run();
      return created.import.id;
    };
    const stale = await make("unconfirmed", 2 * 3_600_000);
    const fresh = await make("unconfirmed", 60_000);
    const old = await make("finished", 8 * 86_400_000);
    const running = await make("in_progress", 8 * 86_400_000);
    // One row per statement: a large import is emptied over several runs before it goes.
    await vacuumImports(db(), now, 20, 1);
    expect(await findImport(db(), me.account.id, stale)).toBeDefined();
    await vacuumImports(db(), now, 20, 1);
    await vacuumImports(db(), now, 20, 1);
    for (const [id, left] of [
      [stale, false],
      [old, false],
      [fresh, true],
      [running, true],
    ] as const) {
      expect(await findImport(db(), me.account.id, id)).toSatisfy((found) => (found !== undefined) === left);
    }
    expect(await one("SELECT count(*) AS n FROM bulk_import_rows WHERE import_id IN (?, ?)", stale, old)).toEqual({ n: 0 });
  });
});
