/**
 * AccountHub's streaming part. The account's sockets are held by its socket shard (shards.ts); the
 * AccountHub remembers whether any are open (the shard tells it on the first open and last close),
 * so a feed write for an account nobody is streaming costs no extra call, and one that is streamed
 * costs one call to the shard with the status id and the feeds it entered.
 */
import type { Bindings } from "../env";
import { type AccountEvent, accountShard } from "./shards";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS streaming_presence (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    account_id INTEGER NOT NULL,
    online INTEGER NOT NULL,
    seq INTEGER NOT NULL
  )`,
];

export class AccountStreaming {
  /** Cached row; undefined until read after a wake. */
  private presence: { accountId: number; online: boolean; seq: number } | null | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Bindings,
  ) {
    for (const statement of SCHEMA) this.sql.exec(statement).toArray();
  }

  private read(): { accountId: number; online: boolean; seq: number } | null {
    if (this.presence !== undefined) return this.presence;
    const row = this.sql.exec("SELECT account_id, online, seq FROM streaming_presence WHERE id = 1").toArray()[0];
    this.presence = row ? { accountId: Number(row.account_id), online: Number(row.online) === 1, seq: Number(row.seq) } : null;
    return this.presence;
  }

  /** From the shard; `seq` orders calls that may arrive out of order (an open racing a close). */
  set(accountId: number, online: boolean, seq: number): void {
    const current = this.read();
    if (current && current.seq > seq) return;
    this.sql.exec(
      `INSERT INTO streaming_presence (id, account_id, online, seq) VALUES (1, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, online = excluded.online, seq = excluded.seq`,
      accountId,
      online ? 1 : 0,
      seq,
    );
    this.presence = { accountId, online, seq };
  }

  get online(): boolean {
    return this.read()?.online === true;
  }

  /** Sends events to the account's sockets when it has any; a shard that has none clears the flag. */
  async send(events: AccountEvent[]): Promise<void> {
    const p = this.read();
    if (!p?.online || events.length === 0) return;
    try {
      const sockets = await accountShard(this.env, p.accountId).toAccount(p.accountId, events);
      if (sockets === 0 && this.presence === p) this.set(p.accountId, false, p.seq + 1);
    } catch (err) {
      // Streaming is best effort: a feed write never fails because a socket could not be told.
      console.error(`streaming: events for ${p.accountId} failed`, err);
    }
  }

  /** The feeds (0 = home, list ids) holding `statusId`, for `status.update`. */
  feedsHolding(statusId: number): number[] {
    return this.sql
      .exec("SELECT feed FROM feed_entries WHERE feed IN (SELECT feed FROM feeds) AND status_id = ?", statusId)
      .toArray()
      .map((r) => Number(r.feed));
  }
}
