/**
 * AccountHub's streaming part. An account's sockets are held by its socket shard (shards.ts); the
 * AccountHub holding the account's feeds remembers whether any are open (the socket shard tells it on
 * the first open and the last close), so a feed write for an account nobody is streaming costs no
 * extra call, and one that is streamed costs one call to the socket shard with the status id and the
 * feeds it entered.
 */
import type { Bindings } from "../env";
import { type AccountEvent, accountShard } from "./shards";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS streaming_presence (
    account_id INTEGER PRIMARY KEY,
    online INTEGER NOT NULL,
    seq INTEGER NOT NULL
  )`,
];

interface Presence {
  online: boolean;
  seq: number;
}

export class AccountStreaming {
  /** Rows read since the Durable Object woke (null: no row). */
  private readonly presence = new Map<number, Presence | null>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Bindings,
  ) {
    for (const statement of SCHEMA) this.sql.exec(statement).toArray();
  }

  private read(accountId: number): Presence | null {
    const cached = this.presence.get(accountId);
    if (cached !== undefined) return cached;
    const row = this.sql.exec("SELECT online, seq FROM streaming_presence WHERE account_id = ?", accountId).toArray()[0];
    const presence = row ? { online: Number(row.online) === 1, seq: Number(row.seq) } : null;
    this.presence.set(accountId, presence);
    return presence;
  }

  /** From the socket shard; `seq` orders calls that may arrive out of order (an open racing a close). */
  set(accountId: number, online: boolean, seq: number): void {
    const current = this.read(accountId);
    if (current && current.seq > seq) return;
    this.sql.exec(
      `INSERT INTO streaming_presence (account_id, online, seq) VALUES (?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET online = excluded.online, seq = excluded.seq`,
      accountId,
      online ? 1 : 0,
      seq,
    );
    this.presence.set(accountId, { online, seq });
  }

  online(accountId: number): boolean {
    return this.read(accountId)?.online === true;
  }

  /** Sends events to the account's sockets when it has any; a socket shard that has none clears the flag. */
  async send(accountId: number, events: AccountEvent[]): Promise<void> {
    const p = this.read(accountId);
    if (!p?.online || events.length === 0) return;
    try {
      const sockets = await accountShard(this.env, accountId).toAccount(accountId, events);
      if (sockets === 0 && this.presence.get(accountId) === p) this.set(accountId, false, p.seq + 1);
    } catch (err) {
      // Streaming is best effort: a feed write never fails because a socket could not be told.
      console.error(`streaming: events for ${accountId} failed`, err);
    }
  }
}
