/**
 * The sockets of one shard (see shards.ts), on the WebSocket Hibernation API: each socket's viewer,
 * token and subscriptions live in its attachment, the account it belongs to in its hibernation tag,
 * so nothing is lost when the Durable Object is evicted; the channel index and the status and filter
 * caches are rebuilt from those (and D1) after a wake.
 */
import type { Config } from "../config";
import { loadConfig } from "../config";
import { type Db, envDb } from "../db/client";
import type { MastodonStatus } from "../entities/status";
import type { Bindings } from "../env";
import { accountHub } from "../services/feeds";
import type { ActiveFilters } from "../services/filters";
import type { FeedTarget } from "../services/home-rules";
import { getNotification } from "../services/notification-list";
import { FrameCache, Outbox, ViewerCopies } from "./frames";
import { closeRevoked } from "./keepalive";
import {
  ERRORS,
  type EventName,
  errorFrame,
  isError,
  parseClientMessage,
  parseSubscription,
  type StreamError,
  type Subscription,
  scopeAllows,
  USER_STREAMS,
  wireStream,
} from "./protocol";
import { ShardCache } from "./shard-cache";
import type { AccountEvent, ChannelEvent, StatusChannelEvent } from "./shards";
import { type SocketEntry, SocketIndex, type SocketState } from "./socket-index";
import { excludedViewers } from "./viewer-filters";

/** What the Worker tells the shard about a new connection (it has already checked the token). */
export interface ConnectInfo {
  accountId: number | null;
  tokenId: number | null;
  scopes: string[];
  /** Chosen languages for public and hashtag streams (null: every language). */
  languages?: string[] | null | undefined;
  /** Echoed in the 101 response. */
  protocol?: string | undefined;
  /** `?stream=` with `tag` / `list`. */
  initial?: { stream: unknown; tag: unknown; list: unknown } | undefined;
}

const ATTACHMENT_MAX = 2000;
/** Keep-alive period: the alarm sweeps revoked tokens while sockets are open. */
export const KEEPALIVE_MS = 30_000;

function send(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // A socket closing under us: its close handler cleans up.
  }
}

export class SocketHub {
  private readonly sockets: SocketIndex;
  private readonly cache: ShardCache;
  private seq = 0;
  /** Frames the last toAccount call sent (tests and the benchmark read it through logs). */
  lastFrames = 0;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Bindings,
  ) {
    this.cache = new ShardCache(env);
    this.sockets = new SocketIndex(ctx);
  }

  private db(): Db {
    return envDb(this.env);
  }

  private config(): Config {
    return loadConfig(this.env);
  }

  private state(ws: WebSocket): SocketState {
    return this.sockets.state(ws);
  }

  async connect(info: ConnectInfo): Promise<Response> {
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, info.accountId === null ? [] : [`a:${info.accountId}`]);
    const state: SocketState = { a: info.accountId, k: info.tokenId, s: info.scopes, subs: [] };
    if (info.languages && info.languages.length > 0) state.l = info.languages;
    this.sockets.opened(server, state);
    if (info.initial) await this.subscribe(server, info.initial);
    if (info.accountId !== null && this.ctx.getWebSockets(`a:${info.accountId}`).length === 1) {
      await this.presence(info.accountId, true);
    }
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
    const headers = info.protocol ? { "Sec-WebSocket-Protocol": info.protocol } : undefined;
    return new Response(null, { status: 101, webSocket: client, ...(headers ? { headers } : {}) });
  }

  /** Tells the AccountHub holding the account's feeds whether it has open sockets, so feed writes skip the call when not. */
  private async presence(accountId: number, online: boolean): Promise<void> {
    this.seq += 1;
    try {
      await accountHub(this.env, accountId).setStreaming(online, Date.now() * 1000 + (this.seq % 1000));
    } catch (err) {
      console.error(`streaming: presence of ${accountId} failed`, err);
    }
  }

  async message(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") {
      ws.close(1003, "Binary messages are not accepted");
      return;
    }
    // Mastodon ignores what it cannot parse; an error frame would end masto.js subscriptions.
    const parsed = parseClientMessage(message);
    if (!parsed) return;
    if (parsed.type === "subscribe") await this.subscribe(ws, parsed);
    else this.unsubscribe(ws, parsed);
  }

  private async subscribe(ws: WebSocket, req: { stream: unknown; tag: unknown; list: unknown }): Promise<void> {
    const sub = parseSubscription(req.stream, req.tag, req.list);
    const refused = await this.refusal(ws, sub);
    if (refused) {
      send(ws, errorFrame(refused));
      return;
    }
    const s = sub as Subscription;
    // Re-read after the awaits: another message may have changed the subscriptions meanwhile.
    const state = this.state(ws);
    const wire = JSON.stringify(wireStream(s));
    if (state.subs.some((x) => x.key === s.key && JSON.stringify(wireStream(x)) === wire)) return;
    const next: SocketState = { ...state, subs: [...state.subs, s] };
    if (JSON.stringify(next).length > ATTACHMENT_MAX) {
      send(ws, errorFrame({ error: "Too many subscriptions", status: 400 }));
      return;
    }
    this.sockets.subscribed(ws, next, s);
  }

  private async refusal(ws: WebSocket, sub: Subscription | StreamError): Promise<StreamError | undefined> {
    if (isError(sub)) return sub;
    const state = this.state(ws);
    if (state.a === null) return USER_STREAMS.has(sub.stream) ? ERRORS.missingToken : undefined;
    if (!scopeAllows(state.s, sub.stream)) return ERRORS.scopes;
    if (sub.stream === "list") {
      const owned = await this.env.DB.prepare("SELECT 1 AS ok FROM lists WHERE id = ? AND account_id = ?")
        .bind(Number(sub.list), state.a)
        .first();
      if (!owned) return ERRORS.listNotAuthorized;
    }
    return undefined;
  }

  private unsubscribe(ws: WebSocket, req: { stream: unknown; tag: unknown; list: unknown }): void {
    const sub = parseSubscription(req.stream, req.tag, req.list);
    if (isError(sub)) return;
    const state = this.state(ws);
    const subs = state.subs.filter((x) => x.key !== sub.key);
    if (subs.length === state.subs.length) return;
    this.sockets.unsubscribed(ws, { ...state, subs }, sub.key);
  }

  async closed(ws: WebSocket): Promise<void> {
    const state = this.state(ws);
    this.sockets.closed(ws);
    if (state.a !== null) {
      const others = this.ctx.getWebSockets(`a:${state.a}`).filter((x) => x !== ws && x.readyState === WebSocket.OPEN);
      if (others.length === 0) {
        this.cache.dropFilters(state.a);
        await this.presence(state.a, false);
      }
    }
  }

  /** The keep-alive: closes sockets whose token was revoked, and re-arms while sockets are open. */
  async alarm(): Promise<void> {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    await closeRevoked(this.env.DB, sockets, (ws) => this.state(ws).k);
    await this.ctx.storage.setAlarm(Date.now() + KEEPALIVE_MS);
  }

  // ------------------------------------------------------------------------------------------
  // Delivery
  // ------------------------------------------------------------------------------------------

  /** Frames for one account's sockets; returns how many sockets it has here (0: none, stop calling). */
  async toAccount(accountId: number, events: AccountEvent[]): Promise<number> {
    const sockets = this.ctx.getWebSockets(`a:${accountId}`);
    if (sockets.length === 0) return 0;
    let sent = 0;
    const emit = (pick: (sub: Subscription) => boolean, event: EventName, payload?: string) => {
      const frames = new FrameCache(event);
      for (const ws of sockets) {
        for (const sub of this.state(ws).subs) {
          if (!pick(sub)) continue;
          send(ws, frames.frame(sub, "all", payload));
          sent += 1;
        }
      }
    };
    const isUser = (sub: Subscription) => sub.stream === "user";
    for (const e of events) {
      switch (e.t) {
        case "status": {
          const base = await this.cache.status(e.statusId, e.edit === true);
          if (!base) break;
          const filters = (await this.cache.viewerFilters([accountId])).get(accountId);
          const frames = new FrameCache(e.edit ? "status.update" : "update");
          const out = new Outbox<SocketEntry>();
          const entries = sockets.map((ws) => this.sockets.entry(ws));
          this.feedFrames(out, entries, accountId, filters, e.feeds, frames, new ViewerCopies(base, "home"));
          sent += out.flush();
          break;
        }
        case "delete":
          this.cache.dropStatus(e.statusId);
          emit((sub) => isUser(sub) || sub.stream === "list", "delete", String(e.statusId));
          break;
        case "notification": {
          let payload: string;
          try {
            payload = JSON.stringify(await getNotification(this.db(), this.config(), accountId, e.notificationId));
          } catch {
            break; // gone, or about something the account may no longer see
          }
          emit((sub) => isUser(sub) || sub.stream === "user:notification", "notification", payload);
          break;
        }
        case "filters_changed":
          this.cache.dropFilters(accountId);
          emit(isUser, "filters_changed");
          break;
        case "conversation":
          emit((sub) => sub.stream === "direct", "conversation", e.payload);
          break;
        case "raw":
          emit((sub) => e.streams.includes(sub.stream), e.event, e.payload);
          break;
      }
    }
    this.lastFrames = sent;
    return sockets.length;
  }

  /** The accounts with sockets here (for the followers' streams of a new status). */
  onlineAccounts(): number[] {
    return [...this.sockets.byAccount().keys()];
  }

  /**
   * `update` (home → user stream, list ids → list streams) to those of `targets` with sockets here.
   * The caller applied the home and list rules; the viewers' keyword filters apply here.
   */
  async toFeeds(status: MastodonStatus, targets: readonly FeedTarget[]): Promise<number> {
    const out = new Outbox<SocketEntry>();
    await this.feedTargetFrames(out, status, targets);
    return out.flush();
  }

  /** Frames for channel subscribers; returns how many frames were sent. */
  async toChannels(event: ChannelEvent): Promise<number> {
    if (event.t === "delete") {
      this.cache.dropStatus(event.statusId);
      return this.broadcast((sub) => !USER_STREAMS.has(sub.stream), "delete", String(event.statusId));
    }
    if (event.t === "announcement") return this.broadcast((sub) => sub.stream === "user", event.event, event.payload);
    const out = new Outbox<SocketEntry>();
    await this.channelFrames(out, event);
    return out.flush();
  }

  /**
   * A new status to its channels (`channels`) and to the followers' feeds (`targets`) in one pass:
   * a socket on both gets its two frames back to back, channel first.
   */
  async toNewStatus(
    channels: StatusChannelEvent | undefined,
    status: MastodonStatus,
    targets: readonly FeedTarget[],
  ): Promise<number> {
    const out = new Outbox<SocketEntry>();
    if (channels) await this.channelFrames(out, channels);
    await this.feedTargetFrames(out, status, targets);
    return out.flush();
  }

  private async feedTargetFrames(
    out: Outbox<SocketEntry>,
    status: MastodonStatus,
    targets: readonly FeedTarget[],
  ): Promise<void> {
    const accounts = this.sockets.byAccount();
    const online = targets.filter((t) => accounts.has(t.id));
    if (online.length === 0) return;
    const base = (await this.cache.status(Number(status.id), false, status)) as MastodonStatus;
    const filters = await this.cache.viewerFilters(online.map((t) => t.id));
    const frames = new FrameCache("update");
    const copies = new ViewerCopies(base, "home");
    for (const t of online) {
      const sockets = accounts.get(t.id);
      if (sockets) this.feedFrames(out, sockets, t.id, filters.get(t.id), t.feeds, frames, copies);
    }
  }

  /**
   * A status that entered `feeds` (0 = home → `user`, list ids → `list`) to one viewer's sockets, as
   * the viewer gets it (viewer fields, `home` filters).
   */
  private feedFrames(
    out: Outbox<SocketEntry>,
    sockets: Iterable<SocketEntry>,
    viewerId: number,
    filters: ActiveFilters | undefined,
    feeds: readonly number[],
    frames: FrameCache,
    copies: ViewerCopies,
  ): void {
    const { key, payload } = copies.get(viewerId, filters);
    if (payload === null) return;
    const home = feeds.includes(0);
    const lists = feeds.length > (home ? 1 : 0) ? new Set(feeds.map(String)) : undefined;
    for (const entry of sockets) {
      for (const sub of entry.state.subs) {
        if (!((home && sub.stream === "user") || (sub.stream === "list" && lists?.has(sub.list ?? "")))) continue;
        out.add(entry, frames.frame(sub, key, payload));
      }
    }
  }

  /** A status to the sockets subscribed to its channels, less the event's excluded viewers. */
  private async channelFrames(out: Outbox<SocketEntry>, event: StatusChannelEvent): Promise<void> {
    const index = this.sockets.byChannel();
    const keys = new Set(event.keys);
    const sockets = new Set<SocketEntry>();
    for (const key of keys) for (const entry of index.get(key) ?? []) sockets.add(entry);
    if (sockets.size === 0) return;
    const base = await this.cache.status(event.statusId, event.edit === true, event.status);
    if (!base) return;
    const viewers = new Set<number>();
    for (const { state } of sockets) if (state.a !== null) viewers.add(state.a);
    const [excluded, filters] = await Promise.all([
      event.excluded ? new Set(event.excluded) : excludedViewers(this.db(), [...viewers], base),
      this.cache.viewerFilters([...viewers]),
    ]);
    const copies = new ViewerCopies(base, "public");
    const frames = new FrameCache(event.edit ? "status.update" : "update");
    for (const entry of sockets) {
      const { state } = entry;
      const viewer = state.a;
      if (viewer !== null && excluded.has(viewer)) continue;
      // Mastodon's streaming server: a viewer who chose languages gets none other, nor statuses without one.
      if (state.l && !state.l.includes(base.language ?? "")) continue;
      const { key, payload } = copies.get(viewer, viewer === null ? undefined : filters.get(viewer));
      if (payload === null) continue;
      for (const sub of state.subs) if (keys.has(sub.key)) out.add(entry, frames.frame(sub, key, payload));
    }
  }

  private broadcast(pick: (sub: Subscription) => boolean, event: EventName, payload?: string): number {
    const frames = new FrameCache(event);
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      for (const sub of this.state(ws).subs) {
        if (!pick(sub)) continue;
        send(ws, frames.frame(sub, "all", payload));
        sent += 1;
      }
    }
    return sent;
  }
}
