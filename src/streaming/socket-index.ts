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

function add<K>(index: Map<K, Set<WebSocket>>, key: K, ws: WebSocket): void {
  const set = index.get(key);
  if (set) set.add(ws);
  else index.set(key, new Set([ws]));
}

export class SocketIndex {
  /**
   * Reading an attachment back costs a structured-clone decode per call, and a delivery reads one
   * for every socket, so each is decoded once and kept beside the socket.
   */
  private readonly states = new WeakMap<WebSocket, SocketState>();
  /** channel key → sockets subscribed to it; null until first needed after a wake. */
  private channels: Map<string, Set<WebSocket>> | null = null;
  /** account id → its sockets; null until first needed after a wake. */
  private accounts: Map<number, Set<WebSocket>> | null = null;

  constructor(private readonly ctx: DurableObjectState) {}

  state(ws: WebSocket): SocketState {
    let state = this.states.get(ws);
    if (!state) {
      state = ws.deserializeAttachment() as SocketState;
      this.states.set(ws, state);
    }
    return state;
  }

  private save(ws: WebSocket, state: SocketState): void {
    ws.serializeAttachment(state);
    this.states.set(ws, state);
  }

  byChannel(): Map<string, Set<WebSocket>> {
    if (this.channels) return this.channels;
    const channels = new Map<string, Set<WebSocket>>();
    for (const ws of this.ctx.getWebSockets()) {
      for (const sub of this.state(ws).subs) if (!USER_STREAMS.has(sub.stream)) add(channels, sub.key, ws);
    }
    this.channels = channels;
    return channels;
  }

  byAccount(): Map<number, Set<WebSocket>> {
    if (this.accounts) return this.accounts;
    const accounts = new Map<number, Set<WebSocket>>();
    for (const ws of this.ctx.getWebSockets()) {
      const a = this.state(ws).a;
      if (a !== null) add(accounts, a, ws);
    }
    this.accounts = accounts;
    return accounts;
  }

  /** A socket just accepted (with its hibernation tag). */
  opened(ws: WebSocket, state: SocketState): void {
    this.save(ws, state);
    if (this.accounts && state.a !== null) add(this.accounts, state.a, ws);
  }

  subscribed(ws: WebSocket, state: SocketState, sub: Subscription): void {
    this.save(ws, state);
    if (!USER_STREAMS.has(sub.stream)) add(this.byChannel(), sub.key, ws);
  }

  unsubscribed(ws: WebSocket, state: SocketState, key: string): void {
    this.save(ws, state);
    this.byChannel().get(key)?.delete(ws);
  }

  closed(ws: WebSocket): void {
    if (this.channels) for (const set of this.channels.values()) set.delete(ws);
    const a = this.state(ws).a;
    const own = a === null ? undefined : this.accounts?.get(a);
    if (a !== null && own?.delete(ws) && own.size === 0) this.accounts?.delete(a);
  }
}
