/**
 * A socket shard's sockets, indexed: each socket's state (its attachment, decoded once), the sockets
 * of each account and the sockets subscribed to each channel. The attachments and hibernation tags
 * are what survives eviction; the indexes live in memory and are rebuilt from the attachments on
 * first use after a wake.
 */
import { type Subscription, USER_STREAMS } from "./protocol";

/** Per-socket state, in the socket's attachment (at most 2 KiB). */
export interface SocketState {
  a: number | null;
  k: number | null;
  s: string[];
  subs: Subscription[];
  /** Chosen languages for public and hashtag streams; absent: every language. */
  l?: string[];
}

/** A socket beside its decoded state: what the indexes hold, so a delivery reads no map per socket. */
export interface SocketEntry {
  ws: WebSocket;
  state: SocketState;
}

function add<K>(index: Map<K, Set<SocketEntry>>, key: K, entry: SocketEntry): void {
  const set = index.get(key);
  if (set) set.add(entry);
  else index.set(key, new Set([entry]));
}

export class SocketIndex {
  /**
   * Reading an attachment back costs a structured-clone decode per call, and a delivery reads one
   * for every socket, so each is decoded once and kept beside the socket, in the entry the indexes
   * hold, so a delivery does no lookup per socket (a WeakMap lookup per socket showed in profiles).
   */
  private readonly entries = new WeakMap<WebSocket, SocketEntry>();
  /** channel key → sockets subscribed to it; null until first needed after a wake. */
  private channels: Map<string, Set<SocketEntry>> | null = null;
  /** account id → its sockets; null until first needed after a wake. */
  private accounts: Map<number, Set<SocketEntry>> | null = null;

  constructor(private readonly ctx: DurableObjectState) {}

  entry(ws: WebSocket): SocketEntry {
    let entry = this.entries.get(ws);
    if (!entry) {
      entry = { ws, state: ws.deserializeAttachment() as SocketState };
      this.entries.set(ws, entry);
    }
    return entry;
  }

  state(ws: WebSocket): SocketState {
    return this.entry(ws).state;
  }

  private save(ws: WebSocket, state: SocketState): SocketEntry {
    ws.serializeAttachment(state);
    const entry = this.entries.get(ws);
    if (entry) {
      entry.state = state;
      return entry;
    }
    const created = { ws, state };
    this.entries.set(ws, created);
    return created;
  }

  byChannel(): Map<string, Set<SocketEntry>> {
    if (this.channels) return this.channels;
    const channels = new Map<string, Set<SocketEntry>>();
    for (const ws of this.ctx.getWebSockets()) {
      const entry = this.entry(ws);
      for (const sub of entry.state.subs) if (!USER_STREAMS.has(sub.stream)) add(channels, sub.key, entry);
    }
    this.channels = channels;
    return channels;
  }

  byAccount(): Map<number, Set<SocketEntry>> {
    if (this.accounts) return this.accounts;
    const accounts = new Map<number, Set<SocketEntry>>();
    for (const ws of this.ctx.getWebSockets()) {
      const entry = this.entry(ws);
      if (entry.state.a !== null) add(accounts, entry.state.a, entry);
    }
    this.accounts = accounts;
    return accounts;
  }

  /** A socket just accepted (with its hibernation tag). */
  opened(ws: WebSocket, state: SocketState): void {
    const entry = this.save(ws, state);
    if (this.accounts && state.a !== null) add(this.accounts, state.a, entry);
  }

  subscribed(ws: WebSocket, state: SocketState, sub: Subscription): void {
    const entry = this.save(ws, state);
    if (!USER_STREAMS.has(sub.stream)) add(this.byChannel(), sub.key, entry);
  }

  unsubscribed(ws: WebSocket, state: SocketState, key: string): void {
    const entry = this.save(ws, state);
    this.byChannel().get(key)?.delete(entry);
  }

  closed(ws: WebSocket): void {
    const entry = this.entry(ws);
    if (this.channels) for (const set of this.channels.values()) set.delete(entry);
    const a = entry.state.a;
    const own = a === null ? undefined : this.accounts?.get(a);
    if (a !== null && own?.delete(entry) && own.size === 0) this.accounts?.delete(a);
  }
}
