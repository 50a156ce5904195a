/**
 * The operator CLI (`npm run petrel -- accounts ...`) on a fresh state directory, then the same state
 * served by `npm run dev`: what the CLI writes is what the running instance signs in with.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { LocalD1Executor } from "../../scripts/lib/local-d1";
import { createAccountViaSql, WranglerD1Executor } from "../../scripts/lib/remote-d1";
import { type DevServer, makeStateDir, startDevServer } from "./helpers/dev-server";
import { createAccount, parsePassword, runPetrel } from "./helpers/petrel-cli";

async function passwordGrant(baseUrl: string, login: string, password: string): Promise<Response> {
  const app = (await (
    await fetch(`${baseUrl}/api/v1/apps`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_name: "cli e2e", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read" }),
    })
  ).json()) as { client_id: string; client_secret: string };
  return fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      client_id: app.client_id,
      client_secret: app.client_secret,
      username: login,
      password,
      scope: "read",
    }),
  });
}

/** SQL on the state directory's local D1, opened for each statement (the running instance shares it). */
function localSql(stateDir: string) {
  return async <T>(query: string, params: Array<string | number> = []): Promise<T[]> => {
    const db = await LocalD1Executor.open(stateDir);
    try {
      return await db.all<T>(query, params);
    } finally {
      await db.close();
    }
  };
}

// Each CLI run starts Node, tsx and a workerd (and wrangler when migrations are pending): allow for a loaded machine.
const SLOW = { timeout: 180_000 };

describe("petrel accounts (local state)", SLOW, () => {
  const stateDir = makeStateDir("petrel-cli-");
  let alicePassword = "";
  let server: DevServer | undefined;

  afterAll(async () => {
    await server?.stop();
    if (!process.env.PETREL_E2E_KEEP_STATE) rmSync(stateDir, { recursive: true, force: true });
  });

  it("creates an owner account on a fresh state directory and prints its generated password", async () => {
    const result = await runPetrel(stateDir, ["accounts", "create", "alice", "--email", "Alice@Example.com", "--role", "owner"]);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code, result.stderr).toBe(0);
    alicePassword = parsePassword(result.stdout);
    expect(alicePassword).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(result.stdout).toMatch(/Created alice \(account id \d+, role owner\)/);
  });

  it("refuses a taken username with Mastodon's validation message and a non-zero exit", async () => {
    const result = await runPetrel(stateDir, ["accounts", "create", "ALICE", "--email", "other@example.com"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Validation failed: Username has already been taken");
    expect(result.stdout).not.toContain("New password");
  });

  it("refuses a taken e-mail address", async () => {
    const result = await runPetrel(stateDir, ["accounts", "create", "alice2", "--email", "alice@example.com"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Validation failed: Email has already been taken");
  });

  it("refuses an invalid username with Mastodon's wording", async () => {
    const result = await runPetrel(stateDir, ["accounts", "create", "not-valid", "--email", "nv@example.com"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Validation failed: Username must contain only letters, numbers and underscores");
  });

  it("refuses an unknown role, an unknown command and missing arguments with usage errors", async () => {
    const role = await runPetrel(stateDir, ["accounts", "create", "bob", "--email", "bob@example.com", "--role", "king"]);
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('Unknown role "king"');
    const command = await runPetrel(stateDir, ["acounts", "list"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Unknown command "acounts"');
    const email = await runPetrel(stateDir, ["accounts", "create", "bob"]);
    expect(email.code).toBe(2);
    expect(email.stderr).toContain("--email");
    const option = await runPetrel(stateDir, ["accounts", "list", "--frobnicate"]);
    expect(option.code).toBe(2);
  });

  it("changes a role with set-role and shows it in list", async () => {
    const set = await runPetrel(stateDir, ["accounts", "set-role", "alice", "admin"]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("alice: owner -> admin");
    const list = await runPetrel(stateDir, ["accounts", "list"]);
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^ID\s+USERNAME\s+EMAIL\s+ROLE\s+APPROVED\s+CREATED$/);
    expect(lines[1]).toMatch(/^\d+\s+alice\s+alice@example\.com\s+admin\s+yes\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const missing = await runPetrel(stateDir, ["accounts", "set-role", "nobody", "user"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No local account named "nobody"');
  });

  it("sets a generated or a given password with set-password, refusing a short one", async () => {
    const generated = await runPetrel(stateDir, ["accounts", "set-password", "alice"]);
    expect(generated.code, generated.stderr).toBe(0);
    const newPassword = parsePassword(generated.stdout);
    expect(newPassword).not.toBe(alicePassword);
    const short = await runPetrel(stateDir, ["accounts", "set-password", "alice", "--password", "short"]);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("Validation failed: Password is too short (minimum is 8 characters)");
    const given = await runPetrel(stateDir, ["accounts", "set-password", "alice", "--password", "correct horse battery staple"]);
    expect(given.code, given.stderr).toBe(0);
    expect(given.stdout).not.toContain("New password");
    alicePassword = "correct horse battery staple";
  });

  it("approves a sign-up waiting for review and notifies staff with admin.sign_up, once", async () => {
    const created = await runPetrel(stateDir, ["accounts", "create", "dave", "--email", "dave@example.com"]);
    expect(created.code, created.stderr).toBe(0);
    const sql = localSql(stateDir);
    expect(created.stdout).toContain("1 staff member notified");
    const outboxed = async () =>
      (await sql<{ n: number }>("SELECT count(*) AS n FROM event_outbox WHERE message LIKE '%notification.created%'"))[0]?.n;
    expect(await outboxed()).toBe(1);
    // As REGISTRATIONS_MODE=approval leaves a new sign-up: not approved, and nobody told yet.
    await sql("UPDATE users SET approved = 0 WHERE account_id = (SELECT id FROM accounts WHERE acct_key = 'dave')");
    await sql("DELETE FROM notifications WHERE from_account_id = (SELECT id FROM accounts WHERE acct_key = 'dave')");
    await sql("DELETE FROM event_outbox");
    const approved = await runPetrel(stateDir, ["accounts", "approve", "dave"]);
    expect(approved.stderr).not.toMatch(/Error/);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain("dave approved; 1 staff member notified");
    const told = () =>
      sql<{ recipient: string; group_key: string }>(
        "SELECT r.acct_key AS recipient, n.group_key FROM notifications n JOIN accounts r ON r.id = n.account_id " +
          "WHERE n.type = 'admin.sign_up' AND n.from_account_id = (SELECT id FROM accounts WHERE acct_key = 'dave')",
      );
    const rows = await told();
    expect(rows).toHaveLength(1);
    // For the running instance's cron to stream and push (see "then served by npm run dev").
    expect(await outboxed()).toBe(1);
    expect(rows[0]).toMatchObject({ recipient: "alice", group_key: expect.stringMatching(/^admin\.sign_up-\d+$/) });
    expect((await runPetrel(stateDir, ["accounts", "list"])).stdout).toMatch(/dave\s+dave@example\.com\s+user\s+yes/);

    const again = await runPetrel(stateDir, ["accounts", "approve", "dave"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("dave was already approved");
    expect(await told()).toHaveLength(1);
    expect(await outboxed()).toBe(1);
    const missing = await runPetrel(stateDir, ["accounts", "approve", "nobody"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No local account named "nobody"');
  });

  describe("then served by npm run dev", SLOW, () => {
    beforeAll(async () => {
      server = await startDevServer({ stateDir });
    });

    it("serves the accounts the CLI wrote and signs them in, also those written while it runs", async () => {
      if (!server) throw new Error("server not started");
      const lookup = await fetch(`${server.baseUrl}/api/v1/accounts/lookup?acct=alice`);
      expect(lookup.status).toBe(200);
      expect(((await lookup.json()) as { username: string }).username).toBe("alice");

      const ok = await passwordGrant(server.baseUrl, "alice@example.com", alicePassword);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { access_token?: string }).access_token).toBeTruthy();
      const wrong = await passwordGrant(server.baseUrl, "alice@example.com", "not the password");
      expect(wrong.status).toBe(400);

      const bob = await createAccount(stateDir, "bob");
      const bobLookup = await fetch(`${server.baseUrl}/api/v1/accounts/lookup?acct=bob`);
      expect(bobLookup.status).toBe(200);
      expect((await passwordGrant(server.baseUrl, bob.email, bob.password)).status).toBe(200);

      // set-password while the server runs: the old password stops working at once.
      const reset = await runPetrel(stateDir, ["accounts", "set-password", "bob"]);
      expect(reset.code, reset.stderr).toBe(0);
      expect((await passwordGrant(server.baseUrl, bob.email, bob.password)).status).toBe(400);
      expect((await passwordGrant(server.baseUrl, bob.email, parsePassword(reset.stdout))).status).toBe(200);
    });

    describe("the SQL path used for --remote (wrangler d1 execute), run against the local database", SLOW, () => {
      const db = new WranglerD1Executor({ persistTo: stateDir });

      it("creates an account that signs in, with values escaped", async () => {
        const created = await createAccountViaSql(db, {
          username: "carol",
          email: "o'carol@example.com",
          password: "carol's password; DROP TABLE users",
          role: "moderator",
        });
        expect(created.username).toBe("carol");
        if (!server) throw new Error("server not started");
        expect((await passwordGrant(server.baseUrl, "o'carol@example.com", "carol's password; DROP TABLE users")).status).toBe(
          200,
        );
        await expect(
          createAccountViaSql(db, { username: "Carol", email: "c2@example.com", password: "long enough", role: "user" }),
        ).rejects.toThrow("Validation failed: Username has already been taken");
      });

      it("writes the same columns as createLocalAccount (keep scripts/lib/remote-d1.ts in step with src/services/accounts.ts)", async () => {
        const varying = new Set(["id", "account_id", "username", "acct_key", "email", "password_hash", "role", "created_at"]);
        const timestamps = new Set(["updated_at", "confirmed_at", "agreed_at", "last_sign_in_at"]);
        for (const table of ["accounts", "users"] as const) {
          const key = table === "accounts" ? "acct_key" : "(SELECT acct_key FROM accounts WHERE accounts.id = users.account_id)";
          const rows = await db.all(`SELECT * FROM ${table} WHERE ${key} IN ('alice', 'carol') ORDER BY ${key}`);
          const [viaService, viaSql] = rows;
          if (!viaService || !viaSql) throw new Error(`expected two ${table} rows`);
          for (const column of Object.keys(viaService)) {
            if (varying.has(column)) continue;
            const a = viaService[column];
            const b = viaSql[column];
            const what = `${table}.${column}: createLocalAccount wrote ${JSON.stringify(a)}, the SQL path ${JSON.stringify(b)}`;
            if (timestamps.has(column)) expect(a === null, what).toBe(b === null);
            else expect(b, what).toEqual(a);
          }
        }
      });

      it("lists accounts through the same SQL", async () => {
        const list = await runPetrel(stateDir, ["accounts", "list"]);
        expect(list.stdout).toMatch(/carol\s+o'carol@example\.com\s+moderator/);
        expect(list.stdout).toContain("4 accounts");
      });
    });

    it("streams the admin.sign_up of an account the CLI creates while it runs, once the cron runs", async () => {
      if (!server) throw new Error("server not started");
      const grant = await passwordGrant(server.baseUrl, "alice@example.com", alicePassword);
      const { access_token: token } = (await grant.json()) as { access_token: string };
      const url = `${server.baseUrl.replace(/^http/, "ws")}/api/v1/streaming?stream=user:notification`;
      const socket = new WebSocket(url, token);
      const frames: Array<{ event: string; payload: string }> = [];
      socket.on("message", (data) => frames.push(JSON.parse(String(data)) as { event: string; payload: string }));
      await new Promise<void>((resolve, reject) => {
        socket.once("open", () => resolve());
        socket.once("error", reject);
      });
      try {
        const erin = await runPetrel(stateDir, ["accounts", "create", "erin", "--email", "erin@example.com"]);
        expect(erin.code, erin.stderr).toBe(0);
        expect(erin.stdout).toContain("2 staff members notified"); // alice (admin) and carol (moderator)
        const signUpOf = (username: string) =>
          frames.find((f) => {
            if (f.event !== "notification") return false;
            const n = JSON.parse(f.payload) as { type: string; account: { username: string } };
            return n.type === "admin.sign_up" && n.account.username === username;
          });
        // The instance's own ticker calls the cron every minute; this one does not wait for it.
        const cron = await fetch(`${server.baseUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
        expect(cron.status).toBe(200);
        const started = Date.now();
        while (!signUpOf("erin") && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 100));
        expect(signUpOf("erin"), JSON.stringify(frames)).toBeDefined();
      } finally {
        socket.close();
      }
    });

    it("blocks a server: the running instance lists it and suspends its stored accounts after the cron; unblock lifts it", async () => {
      if (!server) throw new Error("server not started");
      const sql = localSql(stateDir);
      await sql(
        "INSERT INTO accounts (id, username, acct_key, domain, uri, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, 1)",
        [
          4_242_424_242,
          "spammer",
          "spammer@spam.example",
          "spam.example",
          "https://spam.example/u/spammer",
          "https://spam.example/@spammer",
        ],
      );
      const blocked = await runPetrel(stateDir, [
        "domains",
        "block",
        "https://Spam.Example/",
        "--public-comment",
        "spam, mostly",
      ]);
      expect(blocked.code, blocked.stderr).toBe(0);
      expect(blocked.stdout).toContain("Blocked spam.example (suspend)");
      const twice = await runPetrel(stateDir, ["domains", "block", "spam.example"]);
      expect(twice.code).toBe(1);
      expect(twice.stderr).toContain("spam.example is already blocked");
      expect((await runPetrel(stateDir, ["domains", "block", "spam.example", "--severity", "ban"])).code).toBe(2);

      const listed = await (await fetch(`${server.baseUrl}/api/v1/instance/domain_blocks`)).json();
      expect(listed).toEqual([
        { domain: "spam.example", digest: expect.stringMatching(/^[0-9a-f]{64}$/), severity: "suspend", comment: "spam, mostly" },
      ]);
      const suspended = async () =>
        (await sql<{ s: number | null }>("SELECT suspended_at AS s FROM accounts WHERE id = 4242424242"))[0]?.s;
      const waitFor = async (done: () => Promise<boolean>) => {
        expect((await fetch(`${server?.baseUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`)).status).toBe(200);
        const started = Date.now();
        while (!(await done()) && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 250));
      };
      await waitFor(async () => (await suspended()) != null);
      expect(await suspended()).not.toBeNull();
      expect((await fetch(`${server.baseUrl}/api/v1/accounts/4242424242`)).status).toBe(404);

      const lifted = await runPetrel(stateDir, ["domains", "unblock", "spam.example"]);
      expect(lifted.code, lifted.stderr).toBe(0);
      await waitFor(async () => (await suspended()) == null);
      expect(await suspended()).toBeNull();
      expect(await (await fetch(`${server.baseUrl}/api/v1/instance/domain_blocks`)).json()).toEqual([]);
      expect((await runPetrel(stateDir, ["domains", "list"])).stdout).toContain("0 blocked domains");
    });
  });
});

describe("petrel with a fresh state directory and nothing else", SLOW, () => {
  const stateDir = makeStateDir("petrel-cli-empty-");
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it("lists no accounts after applying the migrations itself", async () => {
    const list = await runPetrel(stateDir, ["accounts", "list"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain("0 accounts");
  });
});
