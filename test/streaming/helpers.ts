/**
 * Streaming test helpers: sockets opened through the Worker (`SELF.fetch` with Upgrade: websocket),
 * frames collected as they arrive, and waits for a frame or for silence.
 */
import { SELF } from "cloudflare:test";
import { expect } from "vitest";
import { api, BASE } from "../helpers/fixtures";

export interface Frame {
  stream?: string[];
  event?: string;
  payload?: string;
  error?: string;
  status?: number;
}

export class TestSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (e) => {
      if (typeof e.data === "string" && e.data !== "pong") this.frames.push(JSON.parse(e.data) as Frame);
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  subscribe(stream: string, extra: Record<string, string> = {}): void {
    this.send({ type: "subscribe", stream, ...extra });
  }

  /** The first frame (seen or to come) matching `pred`. */
  async waitFor(pred: (f: Frame) => boolean, timeoutMs = 10_000): Promise<Frame> {
    const started = Date.now();
    for (;;) {
      const found = this.frames.find(pred);
      if (found) return found;
      if (Date.now() - started > timeoutMs) throw new Error(`no matching frame; got ${JSON.stringify(this.frames)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Waits until every message sent before has been handled: an unknown stream is answered with an
   * error frame, and the shard handles one socket's messages in order.
   */
  async barrier(): Promise<void> {
    const before = this.frames.filter((f) => f.error === "Unknown stream type").length;
    this.subscribe("barrier");
    await this.waitFor(() => this.frames.filter((f) => f.error === "Unknown stream type").length > before);
    this.frames.splice(0, this.frames.length, ...this.frames.filter((f) => f.error !== "Unknown stream type"));
    await new Promise((r) => setTimeout(r, 50));
  }

  events(event: string): Frame[] {
    return this.frames.filter((f) => f.event === event);
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // closed
    }
  }
}

export async function openStream(
  query = "",
  options: { token?: string; via?: "header" | "query" | "protocol"; headers?: Record<string, string> } = {},
): Promise<{ res: Response; socket: TestSocket | undefined }> {
  const headers: Record<string, string> = { upgrade: "websocket", ...(options.headers ?? {}) };
  const params = new URLSearchParams(query);
  if (options.token) {
    const via = options.via ?? "header";
    if (via === "header") headers.authorization = `Bearer ${options.token}`;
    else if (via === "query") params.set("access_token", options.token);
    else headers["sec-websocket-protocol"] = options.token;
  }
  const qs = params.toString();
  const res = await SELF.fetch(`${BASE}/api/v1/streaming${qs ? `?${qs}` : ""}`, { headers });
  return { res, socket: res.webSocket ? new TestSocket(res.webSocket) : undefined };
}

export async function connected(query = "", options: Parameters<typeof openStream>[1] = {}): Promise<TestSocket> {
  const { res, socket } = await openStream(query, options);
  if (res.status !== 101 || !socket) throw new Error(`no socket: ${res.status} ${await res.text()}`);
  return socket;
}

export async function postStatus(token: string, json: Record<string, unknown>): Promise<string> {
  const res = await api("/api/v1/statuses", { token, json });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

export function payloadOf<T = Record<string, unknown>>(frame: Frame): T {
  return JSON.parse(frame.payload ?? "null") as T;
}

/** Waits a moment and asserts nothing matching arrived (for what must never be delivered). */
export async function expectNone(socket: TestSocket, pred: (f: Frame) => boolean, waitMs = 1500): Promise<void> {
  await new Promise((r) => setTimeout(r, waitMs));
  expect(socket.frames.filter(pred)).toEqual([]);
}
