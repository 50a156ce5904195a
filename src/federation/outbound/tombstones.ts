/**
 * The tombstone row a local status leaves when it is deleted (src/db/schema-outbound.ts). It is
 * written in the deletion batch itself, before the mentions and favourites it reads are deleted, so
 * the `Delete` the FANOUT consumer sends later still reaches everyone the status reached.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { Status } from "../../db/schema";
import { outboundTombstones } from "../../db/schema-outbound";
import { reachedInboxesQuery } from "./recipients";

/** Batch statement: remember local status `status` (a no-op for remote ones). Columns in table order. */
export function tombstoneStatement(db: Db, status: Pick<Status, "id">, now = Date.now()) {
  return db
    .insert(outboundTombstones)
    .select(
      sql`SELECT s.id, s.account_id, s.visibility, s.reblog_of_id,
        (SELECT o.uri FROM statuses o WHERE o.id = s.reblog_of_id),
        (SELECT json_group_array(inbox) FROM (${reachedInboxesQuery(status.id)})),
        ${now}
      FROM statuses s WHERE s.id = ${status.id} AND s.local = 1`,
    )
    .onConflictDoNothing();
}
