/**
 * What the FANOUT consumer tells streaming about statuses beyond home and list feeds (which
 * AccountHub.addToFeeds streams itself): new and edited public statuses go to the public and hashtag
 * channels, as Mastodon's FanOutOnWriteService#broadcast_to_public_streams! and
 * #broadcast_to_hashtag_streams! do; an edit also goes to the local home and list feeds holding the
 * status; a delete goes to channel subscribers (clients drop ids they never showed).
 */
import { sql } from "drizzle-orm";
import { type Db, envDb } from "../db/client";
import type { Bindings } from "../env";
import { accountHub, runBounded } from "../services/feeds";
import { type ChannelEvent, toAllShards } from "./shards";

/** AccountHubs told about one edit at most (an author's first local followers); see docs. */
export const EDIT_FOLLOWERS_MAX = 1000;

interface ChannelRow {
  id: number;
  account_id: number;
  visibility: string;
  local: number;
  media_count: number;
  reblog_of_id: number | null;
  in_reply_to_account_id: number | null;
  tags: string;
}

async function loadChannelRow(db: Db, statusId: number): Promise<ChannelRow | undefined> {
  const rows = await db.all<ChannelRow>(sql`
    SELECT s.id, s.account_id, s.visibility, s.local, s.media_count, s.reblog_of_id, s.in_reply_to_account_id,
      (SELECT json_group_array(t.name) FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = s.id) AS tags
    FROM statuses s WHERE s.id = ${statusId}`);
  return rows[0];
}

/** The channels a status belongs to: public ones unless it replies to someone else, and its hashtags. */
export function channelKeys(
  row: Pick<ChannelRow, "account_id" | "local" | "media_count" | "in_reply_to_account_id">,
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

async function publishToChannels(env: Bindings, statusId: number, edit: boolean): Promise<void> {
  const row = await loadChannelRow(envDb(env), statusId);
  if (row?.visibility !== "public" || row.reblog_of_id !== null) return;
  const keys = channelKeys(row, JSON.parse(row.tags) as string[]);
  if (keys.length === 0) return;
  const event: ChannelEvent = edit ? { t: "status", statusId, keys, edit: true } : { t: "status", statusId, keys };
  await toAllShards(env, event);
}

/** A new status: the public and hashtag channels (when it is public and not a boost). */
export async function publishNewStatus(env: Bindings, statusId: number): Promise<void> {
  await publishToChannels(env, statusId, false);
}

/** An edit: `status.update` to the channels and to the local feeds holding the status. */
export async function publishEdit(env: Bindings, statusId: number): Promise<void> {
  await publishToChannels(env, statusId, true);
  const db = envDb(env);
  const local = await db.all<{ id: number }>(sql`
    SELECT u.account_id AS id FROM statuses s JOIN users u ON u.account_id = s.account_id WHERE s.id = ${statusId}
    UNION SELECT m.account_id FROM mentions m JOIN users u ON u.account_id = m.account_id WHERE m.status_id = ${statusId}
    UNION SELECT * FROM (SELECT f.account_id FROM follows f JOIN statuses s ON s.account_id = f.target_account_id
      JOIN users u ON u.account_id = f.account_id
      WHERE s.id = ${statusId} ORDER BY f.account_id LIMIT ${EDIT_FOLLOWERS_MAX})`);
  await runBounded(local, 32, (r) => accountHub(env, r.id).streamEdit(statusId));
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
