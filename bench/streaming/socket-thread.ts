/**
 * One client thread of the streaming benchmark (streaming.ts): it holds its share of the sockets and
 * answers the main thread's commands. Times are CLOCK_MONOTONIC milliseconds (`process.hrtime`),
 * which every thread of the process reads alike, so a receipt here is compared with a send there.
 *
 * Why threads: 1,000 sockets' frames reach one Node thread one `data` event at a time, about 25 µs
 * each, and the 2,000th frame of a post waited for the 1,999 before it in this process, not in the
 * server: the single client thread was busy for the whole burst (its CPU time per post equalled the
 * spread of the receipts). Real clients each read their own two frames. Spread over the machine's
 * cores (BENCH_CLIENT_THREADS, default 2), the client stops being the slowest part; with 1 it
 * measures as before.
 */

import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort } from "node:worker_threads";
import WebSocket from "ws";

export type Command =
  | { t: "open"; url: string; tokens: string[] }
  | { t: "ping"; perSocket: number }
  | { t: "watch"; id: string; sentAt: number; timeoutMs: number }
  | { t: "gc" }
  | { t: "close" };

export type Reply =
  | { t: "opened"; count: number }
  | { t: "error"; message: string }
  | { t: "pinged"; times: number[] }
  | { t: "seen"; user: number[]; public: number[]; missing: number }
  | { t: "done" };

interface Client {
  ws: WebSocket;
  received: Map<string, { user?: number; public?: number }>;
  pongs: number;
  pongAt?: number;
}

const clients: Client[] = [];

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function open(url: string, token: string, index: number): Promise<Client> {
  // No permessage-deflate: workerd accepts it, and `ws` then inflates every frame through libuv's
  // thread pool, ten at a time (it put the ping floor at 86–211 ms instead of about 20). No UTF-8
  // validation in JavaScript, and only the head of each frame is decoded (`BENCH_DEFLATE=1`
  // measures with compression).
  const ws = new WebSocket(url, [token], { perMessageDeflate: process.env.BENCH_DEFLATE === "1", skipUTF8Validation: true });
  const client: Client = { ws, received: new Map(), pongs: 0 };
  return new Promise((resolve, reject) => {
    let barrier = false;
    ws.on("message", (data) => {
      const at = nowMs();
      // As little work per frame as possible: whatever this thread spends on one frame is measured
      // as the next one's latency. The stream, event and status id are in the first 160 bytes.
      const text = (data as Buffer).toString("latin1", 0, 160);
      if (text === "pong") {
        client.pongAt = at;
        client.pongs += 1;
        return;
      }
      if (!barrier && text.includes('"Unknown stream type"')) {
        barrier = true;
        resolve(client);
        return;
      }
      if (!text.includes('"event":"update"')) return;
      const id = /\\"id\\":\\"(\d+)\\"/.exec(text)?.[1];
      if (!id) return;
      const seen = client.received.get(id) ?? {};
      if (text.startsWith('{"stream":["user"')) seen.user ??= at;
      else if (text.startsWith('{"stream":["public:local"')) seen.public ??= at;
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
    // A socket the server never answers would hang the run: fail it, and the run says why.
    setTimeout(() => reject(new Error(`socket ${index} did not open and subscribe within 30 s`)), 30_000).unref();
  });
}

async function ping(perSocket: number): Promise<number[]> {
  for (const c of clients) {
    c.pongAt = undefined;
    c.pongs = 0;
  }
  const sentAt = nowMs();
  for (let i = 0; i < perSocket; i++) for (const c of clients) c.ws.send("ping");
  const until = Date.now() + 10_000;
  while (clients.some((c) => c.pongs < perSocket) && Date.now() < until) await sleep(5);
  return clients.flatMap((c) => (c.pongs >= perSocket && c.pongAt !== undefined ? [c.pongAt - sentAt] : []));
}

async function watch(id: string, sentAt: number, timeoutMs: number): Promise<Reply> {
  const done = () => clients.every((c) => c.received.get(id)?.user !== undefined && c.received.get(id)?.public !== undefined);
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(20);
  const user: number[] = [];
  const pub: number[] = [];
  let missing = 0;
  for (const c of clients) {
    const seen = c.received.get(id);
    if (seen?.user === undefined || seen.public === undefined) missing += 1;
    if (seen?.user !== undefined) user.push(seen.user - sentAt);
    if (seen?.public !== undefined) pub.push(seen.public - sentAt);
    c.received.delete(id);
  }
  return { t: "seen", user, public: pub, missing };
}

/**
 * A full collection of this thread's heap, between posts: otherwise its collector ran during one
 * post in four and took a core from workerd for 100–180 ms (the instrument measuring itself).
 */
const fullGc: (() => void) | undefined = (() => {
  v8.setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  return typeof gc === "function" ? () => gc() : undefined;
})();

async function handle(command: Command): Promise<Reply> {
  switch (command.t) {
    case "open": {
      // Opened in waves: `wrangler dev`'s proxy refuses bursts of thousands of simultaneous upgrades.
      for (let i = 0; i < command.tokens.length; i += 100) {
        const wave = command.tokens.slice(i, i + 100).map((token, j) => open(command.url, token, i + j));
        clients.push(...(await Promise.all(wave)));
      }
      return { t: "opened", count: clients.length };
    }
    case "ping":
      return { t: "pinged", times: await ping(command.perSocket) };
    case "watch":
      return watch(command.id, command.sentAt, command.timeoutMs);
    case "gc":
      fullGc?.();
      return { t: "done" };
    case "close":
      for (const c of clients) c.ws.terminate();
      return { t: "done" };
  }
}

parentPort?.on("message", (command: Command) => {
  handle(command).then(
    (reply) => parentPort?.postMessage(reply),
    (err: unknown) => parentPort?.postMessage({ t: "error", message: (err as Error).message } satisfies Reply),
  );
});
