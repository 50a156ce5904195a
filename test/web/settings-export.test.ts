/**
 * Settings → Data export: Mastodon's CSV files (following_accounts.csv, lists.csv, blocked_accounts.csv,
 * muted_accounts.csv, blocked_domains.csv, bookmarks.csv), column for column, for the signed-in user
 * only, read a page at a time.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { EXPORT_FILES, type ExportKind, exportCsv } from "../../src/services/exports";
import { api, config, createTestUser, db, type TestUser, uniqueName } from "../helpers/fixtures";
import { Browser } from "./browser";

const PASSWORD = "export password";

async function remoteAccount(domain = "remote.example"): Promise<{ id: number; acct: string }> {
  const id = newId();
  const username = uniqueName("far");
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO accounts (id, username, acct_key, domain, uri, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(id, username, `${username}@${domain}`.toLowerCase(), domain, `https://${domain}/users/${username}`, null, now, now)
    .run();
  return { id, acct: `${username}@${domain}` };
}

async function run(statements: Array<[string, unknown[]]>): Promise<void> {
  await env.DB.batch(statements.map(([q, params]) => env.DB.prepare(q).bind(...params)));
}

async function signedIn(u: TestUser): Promise<Browser> {
  const browser = new Browser();
  const page = await browser.signIn(u.account.username, PASSWORD);
  expect(page.html).toContain('href="/settings/export"');
  return browser;
}

async function download(browser: Browser, kind: ExportKind): Promise<string> {
  const page = await browser.get(`/settings/exports/${kind}.csv`);
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  expect(page.headers.get("content-disposition")).toBe(`attachment; filename="${EXPORT_FILES[kind]}"`);
  return page.html;
}

describe("data export", () => {
  it("writes each of Mastodon's files for the signed-in user, and nobody else's rows", async () => {
    const [me, friend, other] = [
      await createTestUser({ password: PASSWORD }),
      await createTestUser(),
      await createTestUser({ password: PASSWORD }),
    ];
    const [far, blocked, muted, expired] = [
      await remoteAccount(),
      await remoteAccount(),
      await remoteAccount("mute.example"),
      await remoteAccount(),
    ];
    const local = `${friend.account.username}@${config().localDomain}`;
    const now = Date.now();
    const listA = newId();
    const listB = newId();
    await run([
      [
        "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, created_at) VALUES (?, ?, ?, 1, 0, NULL, ?)",
        [newId(), me.account.id, friend.account.id, now],
      ],
      [
        "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, created_at) VALUES (?, ?, ?, 0, 1, ?, ?)",
        [newId(), me.account.id, far.id, '["en","fr"]', now],
      ],
      [
        "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
        [newId(), other.account.id, far.id, now],
      ],
      [
        "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
        [newId(), me.account.id, blocked.id, now],
      ],
      [
        "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
        [newId(), other.account.id, friend.account.id, now],
      ],
      [
        "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at) VALUES (?, ?, ?, 0, NULL, ?)",
        [newId(), me.account.id, muted.id, now],
      ],
      [
        "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at) VALUES (?, ?, ?, 1, ?, ?)",
        [newId(), me.account.id, expired.id, now - 1000, now - 5000],
      ],
      [
        "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES (?, ?, ?, ?)",
        [newId(), me.account.id, "zz.example", now],
      ],
      [
        "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES (?, ?, ?, ?)",
        [newId(), me.account.id, "aa.example", now],
      ],
      [
        "INSERT INTO lists (id, account_id, title, created_at) VALUES (?, ?, ?, ?)",
        [listA, me.account.id, 'Friends, "close"', now],
      ],
      ["INSERT INTO lists (id, account_id, title, created_at) VALUES (?, ?, ?, ?)", [listB, me.account.id, "Far", now]],
      ["INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)", [listA, friend.account.id]],
      ["INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)", [listB, far.id]],
    ]);
    const posted = await api("/api/v1/statuses", { token: friend.token, json: { status: "worth keeping" } });
    const statusId = ((await posted.json()) as { id: string }).id;
    expect((await api(`/api/v1/statuses/${statusId}/bookmark`, { token: me.token, method: "POST" })).status).toBe(200);
    const remoteStatus = newId();
    await run([
      [
        "INSERT INTO statuses (id, uri, account_id, local, visibility, created_at) VALUES (?, ?, ?, 0, 'public', ?)",
        [remoteStatus, "https://remote.example/notes/1", far.id, now],
      ],
      [
        "INSERT INTO bookmarks (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?)",
        [newId(), me.account.id, remoteStatus, now],
      ],
    ]);

    const browser = await signedIn(me);
    const page = await browser.get("/settings/export");
    expect(page.status).toBe(200);
    for (const kind of Object.keys(EXPORT_FILES)) expect(page.html).toContain(`href="/settings/exports/${kind}.csv"`);

    expect(await download(browser, "follows")).toBe(
      `Account address,Show boosts,Notify on new posts,Languages\n${local},true,false,\n${far.acct},false,true,"en, fr"\n`,
    );
    expect(await download(browser, "blocks")).toBe(`${blocked.acct}\n`);
    expect(await download(browser, "mutes")).toBe(`Account address,Hide notifications\n${muted.acct},false\n`);
    expect(await download(browser, "domain_blocks")).toBe("aa.example\nzz.example\n");
    const lists = await download(browser, "lists");
    expect(lists.split("\n").sort()).toEqual(["", `"Friends, ""close""",${local}`, `Far,${far.acct}`].sort());
    expect(await download(browser, "bookmarks")).toBe(
      `${config().baseUrl}/users/${friend.account.username}/statuses/${statusId}\nhttps://remote.example/notes/1\n`,
    );

    // Another user's files hold none of it.
    const theirs = await signedIn(other);
    expect(await download(theirs, "follows")).toBe(
      `Account address,Show boosts,Notify on new posts,Languages\n${far.acct},true,false,\n`,
    );
    expect(await download(theirs, "bookmarks")).toBe("");
  });

  it("reads a page at a time and writes every row once", async () => {
    const me = await createTestUser();
    const targets = await Promise.all([1, 2, 3, 4, 5].map(() => remoteAccount()));
    await run(
      targets.map((t) => [
        "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
        [newId(), me.account.id, t.id, Date.now()],
      ]),
    );
    const chunks: string[] = [];
    for await (const chunk of exportCsv(db(), config(), me.account.id, "blocks", { pageSize: 2 })) chunks.push(chunk);
    expect(chunks.map((c) => c.split("\n").length - 1)).toEqual([2, 2, 1]);
    expect(chunks.join("").trim().split("\n").sort()).toEqual(targets.map((t) => t.acct).sort());
  });

  it("sends a signed-out browser to sign in, and answers 404 for a file it does not write", async () => {
    const away = await new Browser().get("/settings/exports/follows.csv", { follow: false });
    expect(away.status).toBe(302);
    expect(away.headers.get("location")).toBe("/auth/sign_in?return_to=%2Fsettings%2Fexports%2Ffollows.csv");
    const me = await createTestUser({ password: PASSWORD });
    const browser = await signedIn(me);
    expect((await browser.get("/settings/exports/passwords.csv")).status).toBe(404);
    expect((await browser.get("/settings/exports/follows.json")).status).toBe(404);
  });
});
