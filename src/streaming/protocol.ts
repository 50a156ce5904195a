/**
 * The Mastodon streaming protocol, as its streaming server speaks it: stream names, how a
 * subscription is named on the wire (`stream` array, the tag echoed as the client sent it), the
 * event frames and the error frames. Pure functions only; the hubs and routes use them.
 */
import { normalizeTag } from "../text/status-text";

export const STREAM_NAMES = [
  "user",
  "user:notification",
  "public",
  "public:media",
  "public:local",
  "public:local:media",
  "public:remote",
  "public:remote:media",
  "hashtag",
  "hashtag:local",
  "list",
  "direct",
] as const;

export type StreamName = (typeof STREAM_NAMES)[number];

/** Streams about one account, which need a user token. */
export const USER_STREAMS: ReadonlySet<StreamName> = new Set<StreamName>(["user", "user:notification", "list", "direct"]);

export interface Subscription {
  stream: StreamName;
  /** The tag as the client sent it (echoed in `stream`), for hashtag streams. */
  tag?: string;
  /** The list id as sent, for list streams. */
  list?: string;
  /**
   * Where events are routed: the stream name, `hashtag:<normalized>` / `hashtag:local:<normalized>`,
   * or `list:<id>`.
   */
  key: string;
}

export interface StreamError {
  error: string;
  status: number;
}

/** Mastodon's wording, from its streaming server. */
export const ERRORS = {
  unknownStream: { error: "Unknown stream type", status: 400 },
  missingTag: { error: "Missing tag name parameter", status: 400 },
  missingList: { error: "Missing list name parameter", status: 400 },
  listNotAuthorized: { error: "Not authorized to stream this list", status: 401 },
  scopes: { error: "Access token does not have the required scopes", status: 401 },
  missingToken: { error: "Missing access token", status: 401 },
  invalidToken: { error: "Invalid access token", status: 401 },
} as const satisfies Record<string, StreamError>;

export function isStreamName(name: unknown): name is StreamName {
  return typeof name === "string" && (STREAM_NAMES as readonly string[]).includes(name);
}

/**
 * Validates a subscription request (`?stream=` with `tag`/`list`, or a subscribe message). Scope and
 * list ownership are checked by the caller, who knows the viewer.
 */
export function parseSubscription(stream: unknown, tag: unknown, list: unknown): Subscription | StreamError {
  if (!isStreamName(stream)) return ERRORS.unknownStream;
  if (stream === "hashtag" || stream === "hashtag:local") {
    if (typeof tag !== "string" || tag.trim() === "") return ERRORS.missingTag;
    const name = normalizeTag(tag.trim().replace(/^#/, ""));
    if (name === "") return ERRORS.missingTag;
    return { stream, tag, key: `${stream}:${name}` };
  }
  if (stream === "list") {
    const id = typeof list === "number" ? String(list) : list;
    if (typeof id !== "string" || !/^\d{1,19}$/.test(id)) return ERRORS.missingList;
    return { stream, list: id, key: `list:${id}` };
  }
  return { stream, key: stream };
}

export function isError(x: Subscription | StreamError): x is StreamError {
  return "error" in x;
}

/** Mastodon's checkScopes: `read` covers every stream; else read:notifications or read:statuses. */
export function scopeAllows(scopes: readonly string[], stream: StreamName): boolean {
  if (scopes.includes("read")) return true;
  return scopes.includes(stream === "user:notification" ? "read:notifications" : "read:statuses");
}

/** Whether a token may stream anything at all (checked before the upgrade). */
export function canStream(scopes: readonly string[]): boolean {
  return scopes.some((s) => s === "read" || s === "read:statuses" || s === "read:notifications");
}

/** The `stream` array of an event: `[name]`, or `[name, tag|list]` as the client sent them. */
export function wireStream(sub: Pick<Subscription, "stream" | "tag" | "list">): string[] {
  if (sub.tag !== undefined) return [sub.stream, sub.tag];
  if (sub.list !== undefined) return [sub.stream, sub.list];
  return [sub.stream];
}

export type EventName =
  | "update"
  | "delete"
  | "notification"
  | "status.update"
  | "conversation"
  | "filters_changed"
  | "announcement"
  | "announcement.reaction"
  | "announcement.delete";

/** One event frame. `payload` is already a string (JSON text, or the bare id for `delete`). */
export function eventFrame(stream: string[], event: EventName, payload?: string): string {
  return JSON.stringify(payload === undefined ? { stream, event } : { stream, event, payload });
}

export function errorFrame(e: StreamError): string {
  return JSON.stringify({ error: e.error, status: e.status });
}

/** A client message: subscribe / unsubscribe, or something Mastodon ignores (null). */
export interface ClientMessage {
  type: "subscribe" | "unsubscribe";
  stream: unknown;
  tag: unknown;
  list: unknown;
}

export function parseClientMessage(text: string): ClientMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null) return null;
  const m = data as Record<string, unknown>;
  if (m.type !== "subscribe" && m.type !== "unsubscribe") return null;
  return { type: m.type, stream: m.stream, tag: m.tag, list: m.list };
}

/** The token a streaming request carries: Authorization, `?access_token=`, or Sec-WebSocket-Protocol. */
export function streamingToken(req: Request): { token: string | undefined; protocol: string | undefined } {
  const url = new URL(req.url);
  const protocolHeader = req.headers.get("sec-websocket-protocol");
  const protocol = protocolHeader ? protocolHeader.split(",")[0]?.trim() || undefined : undefined;
  const auth = req.headers.get("authorization");
  const bearer = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  return { token: bearer ?? (url.searchParams.get("access_token") || undefined) ?? protocol, protocol };
}
