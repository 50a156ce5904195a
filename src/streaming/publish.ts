/**
 * What the FANOUT consumer tells streaming about statuses beyond home and list feeds (which
 * AccountHub.addToFeeds streams itself): new and edited public statuses go to the public and hashtag
 * channels, as Mastodon's FanOutOnWriteService#broadcast_to_public_streams! and
 * #broadcast_to_hashtag_streams! do; an edit also goes to the local home and list feeds holding the
 * status; a delete goes to channel subscribers (clients drop ids they never showed).
 */
import { type SQL, sql } from "drizzle-orm";
import { loadConfig } from "../config";
import { type Db, envDb } from "../db/client";
import type { MastodonStatus } from "../entities/status";
import type { Bindings } from "../env";
import { streamEditToFeeds } from "../services/feeds";
import { hydrateStatuses } from "../services/hydrate";
import { type ChannelEvent, chunks, onlineAccounts, toAllShards } from "./shards";

/** The channels a status belongs to: public ones unless it replies to someone else, and its hashtags. */
export function channelKeys(
  row: { account_id: number; local: number; media_count: number; in_reply_to_account_id: number | null },
  tags: string[],
): string[] {
  const local = row.local === 1;
  const keys: string[] = [];
  const replyToOther = row.in_reply_to_account_id !== null && row.in_reply_to_account_id !== row.account_id;
  if (!replyToOther) {
    keys.push("public", local ? "public:local" : "public:remote");
    if (row.media_count > 0) keys.push("public:media", local ? "public:local:media" : "public:remote:media");
  }
  for (const tag of tags) {
    keys.push(`hashtag:${tag}`);
    if (local) keys.push(`hashtag:local:${tag}`);
  }
  return keys;
}

/**
 * The status as every stream renders it before the viewer's own fields and filters: hydrated once
 * per FANOUT message and handed to the shards, which then need no D1 read to send it.
 */
export async function renderForStreams(env: Bindings, statusId: number): Promise<MastodonStatus | undefined> {
  const [status] = await hydrateStatuses(envDb(env), loadConfig(env), null, [statusId], { skipVisibility: true });
  return status;
}

/** Beyond this many excluded accounts, shards check their own viewers instead (see publicExclusions). */
export const EXCLUSIONS_MAX = 2000;

/**
 * The accounts that must not get `status` on public and hashtag streams: they block the author or a
 * mentioned account, the author blocks them, they mute the author or a mentioned account, or they
 * block the author's domain (Mastodon's streaming server checks the same per event). One query for
 * all shards; null when there are more than EXCLUSIONS_MAX, and each shard asks about its viewers.
 */
export async function publicExclusions(db: Db, status: MastodonStatus, now = Date.now()): Promise<number[] | null> {
  return exclusionsOf(await db.all<{ id: number }>(exclusionsQuery(status, now)));
}

/** The query of publicExclusions (one column, `id`), for a caller that runs it in a batch. */
export function exclusionsQuery(status: MastodonStatus, now: number): SQL {
  const author = Number(status.account.id);
  const targets = sql.join(
    [author, ...status.mentions.map((m) => Number(m.id))].map((id) => sql`${id}`),
    sql`, `,
  );
  const domain = status.account.acct.includes("@") ? (status.account.acct.split("@")[1] ?? null) : null;
  const domainArm = domain === null ? sql`` : sql`UNION SELECT account_id FROM account_domain_blocks WHERE domain = ${domain}`;
  return sql`
    SELECT account_id AS id FROM blocks WHERE target_account_id IN (${targets})
    UNION SELECT target_account_id FROM blocks WHERE account_id = ${author}
    UNION SELECT account_id FROM mutes WHERE target_account_id IN (${targets}) AND (expires_at IS NULL OR expires_at > ${now})
    ${domainArm}
    LIMIT ${EXCLUSIONS_MAX + 1}`;
}

/** The rows of exclusionsQuery as the channel event carries them. */
export function exclusionsOf(rows: ReadonlyArray<{ id: number }>): number[] | null {
  return rows.length > EXCLUSIONS_MAX ? null : rows.map((r) => Number(r.id));
}

/** The channels `status` goes to: none unless it is public and not a boost. */
export function channelKeysOf(status: MastodonStatus): string[] {
  if (status.visibility !== "public" || status.reblog !== null) return [];
  return channelKeys(
    {
      account_id: Number(status.account.id),
      local: status.account.acct.includes("@") ? 0 : 1,
      media_count: status.media_attachments.length,
      in_reply_to_account_id: status.in_reply_to_account_id === null ? null : Number(status.in_reply_to_account_id),
    },
    status.tags.map((t) => t.name),
  );
}

/** The event for the public and hashtag channels; undefined when the status belongs to none. */
export async function channelEvent(env: Bindings, status: MastodonStatus, edit: boolean): Promise<ChannelEvent | undefined> {
  const keys = channelKeysOf(status);
  if (keys.length === 0) return undefined;
  const excluded = await publicExclusions(envDb(env), status);
  const statusId = Number(status.id);
  return edit ? { t: "status", statusId, keys, status, excluded, edit: true } : { t: "status", statusId, keys, status, excluded };
}

async function publishToChannels(env: Bindings, status: MastodonStatus, edit: boolean): Promise<void> {
  const event = await channelEvent(env, status, edit);
  if (event) await toAllShards(env, event);
}

/**
 * An edit: `status.update` to the channels, and to the feeds holding the status of the accounts
 * streaming now. Those that may hold it (the author, the mentioned accounts, the author's followers,
 * the followers of its tags) are found among the shards' online accounts, so the calls are bounded
 * by the sockets open, not by the followers; each AccountHub streams it if one of its feeds holds it.
 */
export async function publishEdit(env: Bindings, statusId: number): Promise<void> {
  const status = await renderForStreams(env, statusId);
  if (!status) return;
  await publishToChannels(env, status, true);
  const online = await onlineAccounts(env);
  const db = envDb(env);
  const author = Number(status.account.id);
  const holders: number[] = [];
  for (const ids of chunks(online)) {
    const rows = await db.all<{ id: number }>(sql`
      SELECT j.value AS id FROM json_each(${JSON.stringify(ids)}) j
      WHERE j.value = ${author}
        OR EXISTS (SELECT 1 FROM follows WHERE account_id = j.value AND target_account_id = ${author})
        OR EXISTS (SELECT 1 FROM mentions WHERE status_id = ${statusId} AND account_id = j.value)
        OR EXISTS (SELECT 1 FROM status_tags st JOIN tag_follows tf ON tf.tag_id = st.tag_id AND tf.account_id = j.value
          WHERE st.status_id = ${statusId})`);
    holders.push(...rows.map((r) => Number(r.id)));
  }
  await streamEditToFeeds(env, holders, statusId);
}

/** A delete: to channel subscribers (feeds' sockets hear it from AccountHub.removeStatus). */
export async function publishDelete(env: Bindings, statusId: number): Promise<void> {
  await toAllShards(env, { t: "delete", statusId });
}

/** An announcement event for every `user` subscriber. */
export async function publishAnnouncement(
  env: Bindings,
  event: "announcement" | "announcement.reaction" | "announcement.delete",
  payload: string,
): Promise<void> {
  await toAllShards(env, { t: "announcement", event, payload });
}
