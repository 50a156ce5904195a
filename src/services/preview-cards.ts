/**
 * Link preview cards, as Mastodon's FetchLinkCardService: the first link of a status that is not a
 * mention, a hashtag or a link to this server gets a card, fetched off the request path.
 * - The FANOUT consumer calls `requestStatusCard` for new and edited statuses; when the status has
 *   such a link (or had a card an edit may have removed) it enqueues a `status.card` message, whose
 *   handler is `syncStatusCard`.
 * - `syncStatusCard` fetches the page (preview-card-fetch.ts) unless the URL was fetched within a
 *   day, stores the card in `preview_cards` (one row per URL; a fetch that found nothing is stored
 *   with an empty title so that it is not retried every time) and links it to the status.
 * - `cardsFor` loads the cards of a page of statuses in one query for hydrate.ts.
 */
import { eq, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type PreviewCard, previewCardStatuses, previewCards } from "../db/schema-surface";
import type { Fetcher } from "../federation/fetch";
import { newId } from "../ids";
import { enqueueFanout } from "../queue/messages";
import { valuesList } from "./hydrate-load";
import { decodeEntities, fetchPageDetails } from "./preview-card-fetch";

/** A URL fetched less than this long ago is not fetched again. */
export const CARD_REFETCH_MS = 24 * 60 * 60 * 1000;
const URL_MAX = 2048;

function hostOf(raw: string): string | null {
  try {
    return new URL(raw).host.toLowerCase();
  } catch {
    return null;
  }
}

/**
 * The link a status's card is about: the first `<a href>` that is http(s), not a mention or hashtag
 * (microformats classes, `rel="tag"`) and not on this server.
 */
export async function firstCardLink(config: Config, contentHtml: string): Promise<string | null> {
  if (!contentHtml.includes("<a")) return null;
  const localHosts = new Set([config.localDomain, config.webDomain]);
  let found: string | null = null;
  const rewriter = new HTMLRewriter().on("a[href]", {
    element(el) {
      if (found !== null) return;
      const classes = ` ${el.getAttribute("class") ?? ""} `;
      const rel = ` ${el.getAttribute("rel") ?? ""} `;
      if (/ (mention|hashtag|u-url|h-card) /.test(classes) || rel.includes(" tag ")) return;
      const href = decodeEntities(el.getAttribute("href") ?? "").trim();
      if (!/^https?:\/\//i.test(href) || href.length > URL_MAX) return;
      const host = hostOf(href);
      if (host === null || localHosts.has(host)) return;
      found = href;
    },
  });
  await rewriter.transform(new Response(contentHtml, { headers: { "content-type": "text/html; charset=utf-8" } })).arrayBuffer();
  return found;
}

interface StatusRow {
  content: string;
  reblog_of_id: number | null;
  has_card: number;
}

async function loadStatusRow(db: Db, statusId: number): Promise<StatusRow | undefined> {
  const rows = await db.all<StatusRow>(sql`
    SELECT s.content, s.reblog_of_id,
      EXISTS (SELECT 1 FROM preview_card_statuses WHERE status_id = s.id) AS has_card
    FROM statuses s WHERE s.id = ${statusId}`);
  return rows[0];
}

/** Enqueues `status.card` when the status has a link to preview or a card to reconsider. */
export async function requestStatusCard(fanout: Queue, db: Db, config: Config, statusId: number): Promise<void> {
  const row = await loadStatusRow(db, statusId);
  if (!row || row.reblog_of_id !== null) return;
  if (row.has_card === 0 && (await firstCardLink(config, row.content)) === null) return;
  await enqueueFanout(fanout, { type: "status.card", v: 1, statusId });
}

async function unlink(db: Db, statusId: number): Promise<void> {
  await db.delete(previewCardStatuses).where(eq(previewCardStatuses.statusId, statusId));
}

/** For deleted statuses: one primary-key delete. */
export const dropStatusCard = unlink;

/** The stored card for `url`, fetched (again) when there is none or it is a day old. */
export async function cardForUrl(db: Db, config: Config, fetcher: Fetcher, url: string, now = Date.now()): Promise<PreviewCard> {
  const [cached] = await db.select().from(previewCards).where(eq(previewCards.url, url)).limit(1);
  if (cached && cached.fetchedAt > now - CARD_REFETCH_MS) return cached;
  const result = await fetchPageDetails(fetcher, config, url);
  if (!result.ok) console.log(`cards: no preview for ${url}: ${result.reason}`);
  const d = result.ok ? result.details : undefined;
  const values = {
    title: d?.title ?? "",
    description: d?.description ?? "",
    type: "link" as const,
    authorName: d?.authorName ?? "",
    authorUrl: d?.authorUrl ?? "",
    providerName: d?.providerName ?? "",
    providerUrl: "",
    imageUrl: d?.imageUrl ?? null,
    imageDescription: d?.imageDescription ?? "",
    width: d?.width ?? 0,
    height: d?.height ?? 0,
    embedUrl: "",
    language: d?.language ?? null,
    publishedAt: d?.publishedAt ?? null,
    fetchedAt: now,
    updatedAt: now,
  };
  const [stored] = await db
    .insert(previewCards)
    .values({ id: newId(now), url, createdAt: now, ...values })
    .onConflictDoUpdate({ target: previewCards.url, set: values })
    .returning();
  if (!stored) throw new Error(`cards: could not store the card of ${url}`);
  return stored;
}

/** Brings the card of a status in line with its current text (the `status.card` handler). */
export async function syncStatusCard(
  db: Db,
  config: Config,
  statusId: number,
  fetcher: Fetcher,
  now = Date.now(),
): Promise<void> {
  const row = await loadStatusRow(db, statusId);
  if (!row) return;
  const url = row.reblog_of_id === null ? await firstCardLink(config, row.content) : null;
  if (url === null) {
    if (row.has_card === 1) await unlink(db, statusId);
    return;
  }
  const [linked] = await db.select().from(previewCardStatuses).where(eq(previewCardStatuses.statusId, statusId)).limit(1);
  if (linked?.url === url) return;
  const card = await cardForUrl(db, config, fetcher, url, now);
  if (card.title === "") {
    if (linked) await unlink(db, statusId);
    return;
  }
  await db
    .insert(previewCardStatuses)
    .values({ statusId, previewCardId: card.id, url })
    .onConflictDoUpdate({ target: previewCardStatuses.statusId, set: { previewCardId: card.id, url } });
}

/** The cards of `statusIds` (those that have one), in one query. */
export async function cardsFor(db: Db, statusIds: readonly number[]): Promise<Map<number, PreviewCard>> {
  const out = new Map<number, PreviewCard>();
  if (statusIds.length === 0) return out;
  const rows = await db
    .select({ statusId: previewCardStatuses.statusId, card: previewCards })
    .from(sql`${valuesList([...new Set(statusIds)])} AS wanted`)
    .innerJoin(previewCardStatuses, sql`${previewCardStatuses.statusId} = wanted.column1`)
    .innerJoin(previewCards, eq(previewCards.id, previewCardStatuses.previewCardId));
  for (const r of rows) if (r.card.title !== "") out.set(r.statusId, r.card);
  return out;
}
