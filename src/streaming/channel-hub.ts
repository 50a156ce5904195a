import { DurableObject } from "cloudflare:workers";
import type { MastodonStatus } from "../entities/status";
import type { Bindings } from "../env";
import type { FeedTarget } from "../services/home-rules";
import type { AccountEvent, ChannelEvent, StatusChannelEvent } from "./shards";
import { type ConnectInfo, SocketHub } from "./socket-hub";

/** The internal header the streaming routes use to hand a checked connection to a shard. */
export const CONNECT_HEADER = "x-petrel-stream-connect";

/**
 * A socket shard (`sockets:<n>`, see shards.ts): the streaming sockets of the accounts hashed to it
 * and of anonymous viewers, with their public, hashtag, user, list and direct subscriptions. Built on
 * the WebSocket Hibernation API: idle sockets cost nothing; "ping" text frames are answered by the
 * runtime without waking the object; an alarm every 30 s is the keep-alive sweep.
 */
export class ChannelHub extends DurableObject<Bindings> {
  private readonly hub: SocketHub;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.hub = new SocketHub(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override async fetch(request: Request): Promise<Response> {
    const raw = request.headers.get(CONNECT_HEADER);
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket" || raw === null) {
      return new Response("Expected a streaming connection", { status: 426 });
    }
    return this.hub.connect(JSON.parse(raw) as ConnectInfo);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await this.hub.message(ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      // 1005/1006 are not codes one may send back.
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    } catch {
      // already closed
    }
    await this.hub.closed(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.hub.closed(ws);
  }

  override async alarm(): Promise<void> {
    await this.hub.alarm();
  }

  /** Events for one account's sockets; the number of frames sent (0 when it has none here). */
  async toAccount(accountId: number, events: AccountEvent[]): Promise<number> {
    const started = Date.now();
    const sockets = await this.hub.toAccount(accountId, events);
    if (sockets > 0) this.logFrames(this.hub.lastFrames, started);
    return sockets;
  }

  /** The accounts with sockets in this shard. */
  async onlineAccounts(): Promise<number[]> {
    return this.hub.onlineAccounts();
  }

  /** A new status that these accounts' home (0) and lists take, after the home and list rules. */
  async toFeeds(status: MastodonStatus, targets: FeedTarget[]): Promise<number> {
    const started = Date.now();
    const frames = await this.hub.toFeeds(status, targets);
    if (frames > 0) this.logFrames(frames, started);
    return frames;
  }

  /** A new status to its channels and to these accounts' feeds, a socket's frames back to back. */
  async toNewStatus(channels: StatusChannelEvent | undefined, status: MastodonStatus, targets: FeedTarget[]): Promise<number> {
    const started = Date.now();
    const frames = await this.hub.toNewStatus(channels, status, targets);
    if (frames > 0) this.logFrames(frames, started);
    return frames;
  }

  /** Events for public and hashtag subscribers (and announcements for `user` ones). */
  async toChannels(event: ChannelEvent): Promise<number> {
    const started = Date.now();
    const frames = await this.hub.toChannels(event);
    if (frames > 0) this.logFrames(frames, started);
    return frames;
  }

  /** One line per delivery that sent something: what operators (and the benchmark) read. */
  private logFrames(frames: number, started: number): void {
    console.log(`streaming: ${frames} frames in ${Date.now() - started} ms`);
  }
}
