/**
 * Steps the masto.js end-to-end tests share: signing users in through the password grant, client
 * calls whose raw JSON is checked against Mastodon's OpenAPI entities, polling until the fan-out
 * consumer has caught up, and walking masto's paginators.
 */
import { createOAuthAPIClient, createRestAPIClient, type mastodon } from "masto";
import { expect } from "vitest";
import { expectEntity } from "../../helpers/openapi";
import type { CreatedUser } from "./petrel-cli";
import type { ResponseLog } from "./response-log";

type EntityName = Parameters<typeof expectEntity>[0];
type Rest = mastodon.rest.Client;

const REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";
/** How long the fan-out consumer gets to fill or clean a home feed. */
export const FEED_TIMEOUT_MS = 10_000;
/** A paginator that has not ended after this many pages is looping. */
export const MAX_PAGES = 30;

/** One app, then a password-grant token with `scopes` for each user, as a Mastodon client signs in. */
export async function signIn(
  baseUrl: string,
  users: readonly CreatedUser[],
  scopes: string,
  clientName: string,
): Promise<Array<{ user: CreatedUser; token: string; client: Rest }>> {
  const anonymous = createRestAPIClient({ url: baseUrl });
  const app = await anonymous.v1.apps.create({ clientName, redirectUris: REDIRECT_URI, scopes, website: null });
  const oauth = createOAuthAPIClient({ url: baseUrl });
  const out: Array<{ user: CreatedUser; token: string; client: Rest }> = [];
  for (const user of users) {
    const token = await oauth.token.create({
      grantType: "password",
      clientId: app.clientId ?? "",
      clientSecret: app.clientSecret ?? "",
      redirectUri: REDIRECT_URI,
      username: user.email,
      password: user.password,
      scope: scopes,
    });
    expect(token.scope).toBe(scopes);
    const client = createRestAPIClient({ url: baseUrl, accessToken: token.accessToken, timeout: 30_000 });
    out.push({ user, token: token.accessToken, client });
  }
  return out;
}

/** Client calls checked against the OpenAPI entities, through the responses `log` recorded. */
export function checkedCalls(log: ResponseLog) {
  /** Runs one client call and checks the JSON the server answered with against the entity `name`. */
  async function checked<T>(name: EntityName, call: () => PromiseLike<T>, options: { array?: boolean } = {}): Promise<T> {
    const mark = log.mark();
    const value = await call();
    const response = log.lastSince(mark);
    expectEntity(name, response.body, options);
    return value;
  }

  /** Checks every page a paginator fetched since `mark` (GETs of `pathname`) as a list of `name`. */
  function checkPages(name: EntityName, mark: number, pathname: string): number {
    const pages = log.since(mark).filter((r) => r.method === "GET" && r.url.pathname === pathname);
    for (const page of pages) {
      expect(page.status).toBe(200);
      expectEntity(name, page.body, { array: true });
    }
    return pages.length;
  }

  /** The first page (40) of a user's home timeline. */
  function homePage(client: Rest): Promise<mastodon.v1.Status[]> {
    return checked("Status", () => client.v1.timelines.home.list({ limit: 40 }), { array: true });
  }

  /** The ids on the first page (40) of a user's home timeline. */
  async function homeIds(client: Rest): Promise<string[]> {
    return (await homePage(client)).map((s) => s.id);
  }

  return { checked, checkPages, homePage, homeIds };
}

/** Statuses (or boosts of statuses) that mention `account`. */
export function mentioning(statuses: mastodon.v1.Status[], account: mastodon.v1.Account): string[] {
  return statuses.filter((s) => (s.reblog ?? s).mentions.some((m) => m.id === account.id)).map((s) => s.id);
}

/** masto throws MastoHttpError for non-2xx answers; returns its status code. */
export async function httpStatusOf(call: () => Promise<unknown>): Promise<number> {
  try {
    await call();
    return 200;
  } catch (err) {
    const status = (err as { statusCode?: number }).statusCode;
    if (status === undefined) throw err;
    return status;
  }
}

export function dupes(ids: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const id of ids) {
    if (seen.has(id)) out.push(id);
    seen.add(id);
  }
  return out;
}

export function mustHave<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing (an earlier step failed)`);
  return value;
}

/** Probes until `done` holds or the time is up, and returns the last value (the caller asserts on it). */
export async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = FEED_TIMEOUT_MS): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() - started > timeoutMs) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Statuses by `account` or boosts of theirs. */
export function byOrOf(statuses: mastodon.v1.Status[], account: mastodon.v1.Account): string[] {
  return statuses.filter((s) => s.account.id === account.id || s.reblog?.account.id === account.id).map((s) => s.id);
}

interface Walk {
  ids: string[];
  pages: number;
  /** Whether the paginator stopped by itself (no `next` link) within MAX_PAGES. */
  ended: boolean;
}

/** Follows a paginator's `next` links to the end, as `for await` does. */
export async function walk(paginator: AsyncIterable<mastodon.v1.Status[]>): Promise<Walk> {
  const ids: string[] = [];
  let pages = 0;
  for await (const page of paginator) {
    pages += 1;
    ids.push(...page.map((s) => s.id));
    if (pages >= MAX_PAGES) return { ids, pages, ended: false };
  }
  return { ids, pages, ended: true };
}

/** A walk that ended by itself and holds each of `created` once, newest first, before anything older. */
export function expectWalkedOnceNewestFirst(walked: Walk, created: readonly string[]): void {
  expect(walked.ended).toBe(true);
  expect(dupes(walked.ids)).toEqual([]);
  for (const id of created) expect(walked.ids.filter((x) => x === id)).toHaveLength(1);
  expect(walked.ids.slice(0, created.length)).toEqual([...created].reverse());
}

/** The first page's `prev` link asks for what is newer than its top item: nothing, and no links. */
export async function expectEmptyPrevPage(baseUrl: string, token: string, link: string | null, topId: string | undefined) {
  const prev = /<([^>]+)>;\s*rel="prev"/.exec(link ?? "")?.[1];
  expect(prev, "the first page has a prev link").toBeTruthy();
  const prevUrl = new URL(prev ?? "");
  expect(prevUrl.searchParams.get("min_id")).toBe(topId);
  const newer = await fetch(`${baseUrl}${prevUrl.pathname}${prevUrl.search}`, { headers: { authorization: `Bearer ${token}` } });
  expect(newer.status).toBe(200);
  expect(await newer.json()).toEqual([]);
  expect(newer.headers.get("link")).toBeNull();
}

/** GET a status without a token, as a logged-out visitor would. */
export function anonymousStatus(baseUrl: string, id: string): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/statuses/${id}`);
}
