/**
 * Federation endpoints: actor documents (local users and the instance actor) and the inboxes.
 * Failures are bare statuses with a short plain body, never Mastodon's JSON error shape (DESIGN §6).
 * `createFederationRoutes` takes the network as a dependency so tests can stand in for peers;
 * the app mounts `federationRoutes`, which uses the platform's fetch.
 */
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import type { Db } from "../db/client";
import { type Account, accounts } from "../db/schema";
import { actorUri, profileUrl } from "../urls";
import { ACTIVITY_JSON, instanceActorDocument, localActorDocument } from "./actor";
import { authorizedFetch, type FederationDeps, type FederationEnv } from "./authorized-fetch";
import { handleInbox } from "./inbox";
import { ensureAccountKey, ensureInstanceActorKey } from "./keys";
import { localAccountByUsername } from "./local-accounts";

const USERNAME_RE = /^[A-Za-z0-9_]{1,30}$/;

/**
 * Whether the client asked for ActivityStreams rather than a page. ActivityPub names
 * `application/activity+json` and ld+json with the AS profile; Mastodon also serves plain JSON.
 */
export function wantsActivityJson(accept: string | undefined): boolean {
  const a = (accept ?? "").toLowerCase();
  if (a.includes("application/activity+json") || a.includes("application/ld+json")) return true;
  return a.includes("application/json") && !a.includes("text/html");
}

async function movedToUri(db: Db, account: Account, uriOf: (a: Account) => string): Promise<string | null> {
  if (account.movedToAccountId === null) return null;
  const rows = await db.select().from(accounts).where(eq(accounts.id, account.movedToAccountId)).limit(1);
  return rows[0] ? uriOf(rows[0]) : null;
}

export function createFederationRoutes(deps: FederationDeps = {}): Hono<FederationEnv> {
  const routes = new Hono<FederationEnv>();

  routes.get("/users/:username", authorizedFetch(deps, { unsigned: "anonymous" }), async (c) => {
    const username = c.req.param("username");
    if (!USERNAME_RE.test(username)) return c.text("Not Found", 404);
    const db = c.get("db");
    const config = c.get("config");
    const found = await localAccountByUsername(db, username);
    if (!found?.approved) return c.text("Not Found", 404);
    const { account } = found;
    if (!wantsActivityJson(c.req.header("accept"))) {
      // Mastodon answers a suspended account's profile page with 403; its actor is still served.
      if (account.suspendedAt !== null) return c.text("Forbidden", 403);
      return c.redirect(profileUrl(config, account.username), 302);
    }
    const key = await ensureAccountKey(db, config, account);
    const signedBy = c.get("signedBy");
    const barebones = config.authorizedFetch && signedBy === null;
    const movedTo = await movedToUri(db, account, (a) => a.uri ?? actorUri(config, a.username));
    const doc = localActorDocument(config, account, key, { movedTo, barebones });
    return c.body(JSON.stringify(doc), 200, {
      "Content-Type": `${ACTIVITY_JSON}; charset=utf-8`,
      // Under authorized fetch the answer depends on who signed, so shared caches must not keep it.
      "Cache-Control": config.authorizedFetch ? "private, max-age=180" : "public, max-age=180",
      Vary: config.authorizedFetch ? "Accept, Signature, Signature-Input" : "Accept",
    });
  });

  // Always unsigned-fetchable: peers need its key to verify the signed GETs it makes.
  routes.get("/actor", async (c) => {
    const config = c.get("config");
    if (!wantsActivityJson(c.req.header("accept"))) return c.redirect(`${config.baseUrl}/about`, 302);
    const key = await ensureInstanceActorKey(c.get("db"), config);
    return c.body(JSON.stringify(instanceActorDocument(config, key)), 200, {
      "Content-Type": `${ACTIVITY_JSON}; charset=utf-8`,
      "Cache-Control": "public, max-age=180",
      Vary: "Accept",
    });
  });

  routes.post("/inbox", (c) => handleInbox(c, deps));
  routes.post("/actor/inbox", (c) => handleInbox(c, deps));
  routes.post("/users/:username/inbox", async (c) => {
    const username = c.req.param("username");
    const found = USERNAME_RE.test(username) ? await localAccountByUsername(c.get("db"), username) : undefined;
    if (!found?.approved || found.account.suspendedAt !== null) return c.text("Not Found", 404);
    return handleInbox(c, deps);
  });

  return routes;
}

export const federationRoutes = createFederationRoutes();
