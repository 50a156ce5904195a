/**
 * Benchmark (c): streaming. N sockets (`ws`, the token as Sec-WebSocket-Protocol as masto.js sends
 * it), each subscribed to `public:local` and to its own `user` stream; the seed's 1,000 accounts all
 * follow `star`, so every post by `star` reaches each socket twice: once on `public:local` (the
 * channel path: one call per socket shard) and once on `user` (the home path: FANOUT consumer →
 * follower's AccountHub → its socket shard). With more sockets than accounts, accounts get several.
 *
 * Reported per stream: time from sending the POST to each socket's receipt (p50/p99 over every
 * socket and post), and the shards' own figure: the milliseconds a shard spent per frame it sent,
 * from its `streaming:` log lines (Date.now() in workerd advances on I/O, so this is an upper bound
 * that includes the D1 reads for blocks, mutes and filters).
 */
import WebSocket from "ws";
import { call, sleep } from "../lib/client";
import { ACCOUNTS, tokenFor } from "../lib/seed";
import type { Server } from "../lib/server";
import { percentile, type Row } from "../lib/stats";

export interface StreamingResult {
  sockets: number;
  posts: number;
  user: number[];
  publicLocal: number[];
  missing: number;
  shardMsPerFrame: number[];
  connectMs: number;
}

interface Client {
  ws: WebSocket;
  received: Map<string, { user?: number; public?: number }>;
}

function open(server: Server, index: number): Promise<Client> {
  const url = `${server.baseUrl.replace(/^http/, "ws")}/api/v1/streaming`;
  const ws = new WebSocket(url, [tokenFor(index % ACCOUNTS)]);
  const client: Client = { ws, received: new Map() };
  return new Promise((resolve, reject) => {
    let barrier = false;
    ws.on("message", (data) => {
      const at = performance.now();
      const frame = JSON.parse(String(data)) as { stream?: string[]; event?: string; payload?: string; error?: string };
      if (frame.error === "Unknown stream type" && !barrier) {
        barrier = true;
        resolve(client);
        return;
      }
      if (frame.event !== "update" || !frame.payload) return;
      const id = (JSON.parse(frame.payload) as { id: string }).id;
      const seen = client.received.get(id) ?? {};
      if (frame.stream?.[0] === "user") seen.user ??= at;
      if (frame.stream?.[0] === "public:local") seen.public ??= at;
      client.received.set(id, seen);
    });
    ws.on("open", () => {
      ws.send(JSON.stringify({ type: "subscribe", stream: "user" }));
      ws.send(JSON.stringify({ type: "subscribe", stream: "public:local" }));
      // No acknowledgement exists for a subscription; an unknown stream's error frame marks that the
      // shard has handled the messages before it.
      ws.send(JSON.stringify({ type: "subscribe", stream: "barrier" }));
    });
    ws.on("error", reject);
  });
}

export async function runStreaming(server: Server, sockets: number, posts: number): Promise<StreamingResult> {
  const shardMs: number[] = [];
  const stop = server.onLine((line) => {
    const m = /streaming: (\d+) frames in (\d+) ms/.exec(line);
    if (m && Number(m[1]) > 0) shardMs.push(Number(m[2]) / Number(m[1]));
  });
  const clients: Client[] = [];
  const t0 = performance.now();
  // Opened in waves: `wrangler dev`'s proxy refuses bursts of thousands of simultaneous upgrades.
  for (let i = 0; i < sockets; i += 100) {
    const wave = await Promise.all(Array.from({ length: Math.min(100, sockets - i) }, (_, j) => open(server, i + j)));
    clients.push(...wave);
  }
  const connectMs = performance.now() - t0;
  const user: number[] = [];
  const publicLocal: number[] = [];
  let missing = 0;
  try {
    for (let p = 0; p < posts; p++) {
      const sent = performance.now();
      const res = await call<{ id: string }>(server.baseUrl, "/api/v1/statuses", {
        token: tokenFor(ACCOUNTS),
        method: "POST",
        json: { status: `streaming bench ${p} ${Date.now()}` },
        timeoutMs: 30_000,
      });
      if (res.status !== 200) throw new Error(`post failed: ${res.status}`);
      const id = res.body.id;
      const deadline = Date.now() + 60_000;
      const done = () => clients.every((c) => c.received.get(id)?.user !== undefined && c.received.get(id)?.public !== undefined);
      while (!done() && Date.now() < deadline) await sleep(20);
      for (const c of clients) {
        const seen = c.received.get(id);
        if (seen?.user === undefined || seen.public === undefined) missing += 1;
        if (seen?.user !== undefined) user.push(seen.user - sent);
        if (seen?.public !== undefined) publicLocal.push(seen.public - sent);
      }
      await sleep(500);
    }
  } finally {
    stop();
    for (const c of clients) c.ws.terminate();
  }
  return { sockets, posts, user, publicLocal, missing, shardMsPerFrame: shardMs, connectMs };
}

export function streamingRows(r: StreamingResult): Row[] {
  return [
    { figure: `open + subscribe ${r.sockets} sockets`, value: r.connectMs, unit: "ms" },
    { figure: "public:local post→receipt p50", value: percentile(r.publicLocal, 50), unit: "ms" },
    { figure: "public:local post→receipt p99", value: percentile(r.publicLocal, 99), unit: "ms", goal: "≤ 100 ms at 1,000" },
    { figure: "user post→receipt p50", value: percentile(r.user, 50), unit: "ms" },
    { figure: "user post→receipt p99", value: percentile(r.user, 99), unit: "ms" },
    { figure: "shard time per frame p50", value: percentile(r.shardMsPerFrame, 50), unit: "ms" },
    { figure: "sockets that missed an event", value: r.missing, unit: "" },
  ];
}
