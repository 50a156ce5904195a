/**
 * Serving local statuses and actor collections as ActivityStreams: `/users/:username/statuses/:id`
 * (the Note/Question), `…/activity` (its Create, or a boost's Announce), `…/replies`, `…/likes`,
 * `…/shares`, and the outbox, followers, following, featured and featured-tags collections.
 * Content negotiation as for actors: browsers are redirected to the web page. Signatures are checked
 * whenever present, so that private and direct posts can be served to a signed fetch by an actor
 * allowed to see them (404 to anyone else); under authorized fetch unsigned requests get 401.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import type { Db } from "../db/client";
import { type Account, type Status, statuses } from "../db/schema";
import { outboundTombstones } from "../db/schema-outbound";
import { localStatusUrl } from "../entities/status";
import { parseId } from "../ids";
import { actorUri, profileUrl } from "../urls";
import { ACTIVITY_JSON } from "./actor";
import { type FederationDeps, type FederationEnv, verifySignedFetch } from "./authorized-fetch";
import {
  featuredDocument,
  featuredTagsDocument,
  followsDocument,
  outboxDocument,
  readPageQuery,
  repliesDocument,
} from "./collections";
import { remoteContext } from "./fetch";
import { publicLocalAccount } from "./local-accounts";
import { announceActivity, createActivity } from "./outbound/activities";
import { accountUri, addressing, type JsonObject, loadNoteSources, NOTE_CONTEXT, noteObject, statusUri } from "./outbound/note";
import { wantsActivityJson } from "./routes";

const USERNAME_RE = /^[A-Za-z0-9_]{1,30}$/;
type Ctx = Context<FederationEnv>;

/** Verifies a signature when the request has one; refuses unsigned requests only under authorized fetch. */
function signatureIfAny(deps: FederationDeps): MiddlewareHandler<FederationEnv> {
  return async (c, next) => {
    c.set("signedBy", null);
    const config = c.get("config");
    const result = await verifySignedFetch(c.req.raw, remoteContext(c.get("db"), config, deps.fetcher));
    if (!result.ok) {
      // Outside authorized fetch a bad signature only costs the private view, as in Mastodon.
      if (!config.authorizedFetch) return next();
      console.warn(`authorized fetch: refused ${c.req.method} ${c.req.path}: ${result.reason}`);
      return c.text(result.reason.slice(0, 200), 401);
    }
    if (result.actor === null && config.authorizedFetch) return c.text("request must be signed", 401);
    c.set("signedBy", result.actor);
    return next();
  };
}

function activityJson(c: Ctx, doc: unknown, shared: boolean): Response {
  const authorized = c.get("config").authorizedFetch;
  return c.body(JSON.stringify(doc), 200, {
    "Content-Type": `${ACTIVITY_JSON}; charset=utf-8`,
    "Cache-Control": shared && !authorized ? "public, max-age=180" : "private, max-age=180",
    Vary: authorized || !shared ? "Accept, Signature, Signature-Input" : "Accept",
  });
}

/** Mastodon's StatusPolicy#show? for a signed remote actor: followers see private, the mentioned see both. */
async function mayView(db: Db, status: Status, signedBy: string | null): Promise<boolean> {
  if (status.visibility === "public" || status.visibility === "unlisted") return true;
  if (signedBy === null) return false;
  const [row] = await db.all<{ mentioned: number; follows: number }>(sql`
    SELECT
      EXISTS (SELECT 1 FROM mentions WHERE status_id = ${status.id} AND account_id = a.id) AS mentioned,
      EXISTS (SELECT 1 FROM follows WHERE account_id = a.id AND target_account_id = ${status.accountId}) AS follows
    FROM accounts a WHERE a.uri = ${signedBy} AND a.suspended_at IS NULL`);
  if (!row) return false;
  return row.mentioned === 1 || (status.visibility === "private" && row.follows === 1);
}

interface Found {
  account: Account;
  status: Status;
}

/** The status `:id` of `:username`, when the requester may see it; otherwise the response to send. */
async function findStatus(c: Ctx): Promise<Found | Response> {
  const db = c.get("db");
  const account = await publicLocalAccountNamed(db, c.req.param("username") ?? "");
  const id = parseId(c.req.param("id"));
  if (!account || id === undefined) return c.text("Not Found", 404);
  const [status] = await db
    .select()
    .from(statuses)
    .where(and(eq(statuses.id, id), eq(statuses.accountId, account.id)));
  if (!status) {
    const [tomb] = await db.select().from(outboundTombstones).where(eq(outboundTombstones.statusId, id));
    return tomb && tomb.accountId === account.id ? c.text("Gone", 410) : c.text("Not Found", 404);
  }
  if (!(await mayView(db, status, c.get("signedBy")))) return c.text("Not Found", 404);
  return { account, status };
}

/** The USERNAME_RE check first: a malformed name never reaches D1. */
function publicLocalAccountNamed(db: Db, username: string): Promise<Account | undefined> {
  return USERNAME_RE.test(username) ? publicLocalAccount(db, username) : Promise.resolve(undefined);
}

export function createObjectRoutes(deps: FederationDeps = {}): Hono<FederationEnv> {
  const routes = new Hono<FederationEnv>();
  const signed = signatureIfAny(deps);
  const browser = (c: Ctx) => !wantsActivityJson(c.req.header("accept"));

  routes.get("/users/:username/statuses/:id", signed, async (c) => {
    const found = await findStatus(c);
    if (found instanceof Response) return found;
    const { account, status } = found;
    if (browser(c)) return c.redirect(localStatusUrl(c.get("config"), account.username, status.id), 302);
    if (status.reblogOfId !== null) return c.text("Not Found", 404);
    const config = c.get("config");
    const source = (await loadNoteSources(c.get("db"), config, [status.id])).get(status.id);
    if (!source) return c.text("Not Found", 404);
    const shared = status.visibility === "public" || status.visibility === "unlisted";
    return activityJson(c, { "@context": NOTE_CONTEXT, ...noteObject(config, source) }, shared);
  });

  routes.get("/users/:username/statuses/:id/activity", signed, async (c) => {
    const found = await findStatus(c);
    if (found instanceof Response) return found;
    const { account, status } = found;
    const config = c.get("config");
    if (browser(c)) return c.redirect(localStatusUrl(config, account.username, status.reblogOfId ?? status.id), 302);
    const source = (await loadNoteSources(c.get("db"), config, [status.id])).get(status.id);
    if (!source) return c.text("Not Found", 404);
    const shared = status.visibility === "public" || status.visibility === "unlisted";
    const { reblog } = source.bundle;
    if (!reblog) return activityJson(c, createActivity(noteObject(config, source)), shared);
    const { to, cc } = addressing(config, account, status.visibility, [], [accountUri(config, reblog.account)]);
    const announce = announceActivity({
      id: statusUri(config, status, account),
      actor: actorUri(config, account.username),
      object: statusUri(config, reblog.status, reblog.account),
      published: status.createdAt,
      to,
      cc,
    });
    return activityJson(c, announce, shared);
  });

  routes.get("/users/:username/statuses/:id/replies", signed, async (c) => {
    const found = await findStatus(c);
    if (found instanceof Response) return found;
    const { account, status } = found;
    const config = c.get("config");
    const doc = await repliesDocument(
      c.get("db"),
      config,
      statusUri(config, status, account),
      status.id,
      readPageQuery((n) => c.req.query(n)),
    );
    return activityJson(c, doc, true);
  });

  const countCollection =
    (kind: "likes" | "shares", field: "favouritesCount" | "reblogsCount") => async (c: Context<FederationEnv>) => {
      const found = await findStatus(c);
      if (found instanceof Response) return found;
      const { account, status } = found;
      const id = `${statusUri(c.get("config"), status, account)}/${kind}`;
      const doc: JsonObject = { "@context": NOTE_CONTEXT[0], id, type: "Collection", totalItems: status[field] };
      return activityJson(c, doc, true);
    };
  routes.get("/users/:username/statuses/:id/likes", signed, countCollection("likes", "favouritesCount"));
  routes.get("/users/:username/statuses/:id/shares", signed, countCollection("shares", "reblogsCount"));

  const collection = (path: string, build: (c: Ctx, account: Account) => Promise<JsonObject | Response>) => {
    routes.get(`/users/:username/${path}`, signed, async (c) => {
      const account = await publicLocalAccountNamed(c.get("db"), c.req.param("username") ?? "");
      if (!account) return c.text("Not Found", 404);
      if (browser(c)) return c.redirect(profileUrl(c.get("config"), account.username), 302);
      const doc = await build(c, account);
      return doc instanceof Response ? doc : activityJson(c, doc, true);
    });
  };
  const page = (c: Ctx) => readPageQuery((n) => c.req.query(n));
  collection("outbox", (c, account) => outboxDocument(c.get("db"), c.get("config"), account, page(c)));
  for (const which of ["followers", "following"] as const) {
    collection(which, async (c, account) => {
      const doc = await followsDocument(c.get("db"), c.get("config"), account, which, page(c));
      // Mastodon refuses pages of a hidden network outright.
      return doc === "hidden" ? c.text("Forbidden", 403) : doc;
    });
  }
  collection("collections/featured", (c, account) => featuredDocument(c.get("db"), c.get("config"), account));
  collection("collections/tags", (c, account) => featuredTagsDocument(c.get("db"), c.get("config"), account));
  return routes;
}

export const objectRoutes = createObjectRoutes();
