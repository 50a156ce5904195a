/**
 * Benchmark (c): streaming. N sockets (`ws`, the token as Sec-WebSocket-Protocol as masto.js sends
 * it), each subscribed to `public:local` and to its own `user` stream; the seed's 1,000 accounts all
 * follow `star`, so every post by `star` reaches each socket twice: once on `public:local` and once
 * on `user`. The posting request commits the status with the streams' reads, then calls each socket
 * shard once (src/streaming/new-status.ts); the FANOUT consumer then writes the 1,000 feeds. Posts
 * are measured one at a time, after one warm-up post: the next waits for the previous fanout, and
 * this process collects its own garbage in between (`collectClientGarbage`).
 *
 * Reported per stream: time from sending the POST to each socket's receipt (p50/p99 over every
 * socket and post), and the shards' own figure: the milliseconds a shard spent per frame it sent,
 * from its `streaming:` log lines (Date.now() in workerd advances on I/O, so this is an upper bound
 * that includes the shard's D1 reads: filters when not cached).
 * `BENCH_COLLECT=1` has workerd collect its heap once the sockets are open (see runStreaming).
 * `BENCH_TRACE=1` prints one line per post, with its CLOCK_MONOTONIC start (`t=`, ns) to line it up
 * with `perf record -k CLOCK_MONOTONIC -p <workerd>`.
 */
import { execSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { call, sleep } from "../lib/client";
import { collectWorkerGarbage } from "../lib/profile";
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
  /** Floor: a `ping` sent on every socket at once → each `pong` (p50/p99 over sockets and rounds). */
  pingFloor: number[];
  /**
   * Floor for the second frame a socket gets: two `ping`s on every socket at once → each second
   * `pong`. A post reaches each socket twice (public:local, then user), so the later of the two
   * frames waits for 2,000 frames through the same runtime and client.
   */
  secondPingFloor: number[];
}

interface Client {
  ws: WebSocket;
  received: Map<string, { user?: number; public?: number }>;
  /** When the last `pong` arrived (the floor: the runtime answers `ping` without running our code). */
  pongAt?: number;
  pongs: number;
}

function open(server: Server, index: number): Promise<Client> {
  const url = `${server.baseUrl.replace(/^http/, "ws")}/api/v1/streaming`;
  // What the client does per frame is measured as the latency of the frames queued behind it, so it
  // does what a browser does natively and nothing more. No permessage-deflate: workerd accepts it,
  // and `ws` then inflates every frame through libuv's thread pool, ten at a time (it put the ping
  // floor at 86–211 ms instead of about 20). No UTF-8 validation in JavaScript, and only the head of
  // each frame is decoded (`BENCH_DEFLATE=1` measures with compression).
  const ws = new WebSocket(url, [tokenFor(index % ACCOUNTS)], {
    perMessageDeflate: process.env.BENCH_DEFLATE === "1",
    skipUTF8Validation: true,
  });
  const client: Client = { ws, received: new Map(), pongs: 0 };
  return new Promise((resolve, reject) => {
    let barrier = false;
    ws.on("message", (data) => {
      const at = performance.now();
      // As little work per frame as possible: 1,000 sockets' frames queue behind each other in this
      // one process, and whatever it spends on one is measured as the next one's latency.
      // The stream, event and status id are all in the first 160 bytes of an `update`.
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

/** Open files of the local workerd process and its limit (Linux), for the error when sockets run out. */
function workerdFiles(): string {
  try {
    const pid = execSync("pgrep -f 'workerd serve' | head -1", { encoding: "utf8" }).trim();
    const open = readdirSync(`/proc/${pid}/fd`).length;
    const limit = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))?.[1] ?? "?";
    return `workerd has ${open} open files of a limit of ${limit}`;
  } catch {
    return "workerd's open files could not be read";
  }
}

export async function runStreaming(server: Server, sockets: number, posts: number): Promise<StreamingResult> {
  const shardMs: number[] = [];
  const fannedOut = new Set<string>();
  const stop = server.onLine((line) => {
    const m = /streaming: (\d+) frames in (\d+) ms/.exec(line);
    if (m && Number(m[1]) > 0) shardMs.push(Number(m[2]) / Number(m[1]));
    const done = /fanout: status\.created status (\d+) done/.exec(line);
    if (done?.[1]) fannedOut.add(done[1]);
  });
  const clients: Client[] = [];
  const t0 = performance.now();
  // Opened in waves: `wrangler dev`'s proxy refuses bursts of thousands of simultaneous upgrades.
  try {
    for (let i = 0; i < sockets; i += 100) {
      const wave = await Promise.all(Array.from({ length: Math.min(100, sockets - i) }, (_, j) => open(server, i + j)));
      clients.push(...wave);
    }
  } catch (err) {
    for (const c of clients) c.ws.terminate();
    stop();
    throw new Error(`opened ${clients.length} of ${sockets} sockets: ${(err as Error).message}; ${workerdFiles()}`);
  }
  const connectMs = performance.now() - t0;
  // BENCH_COLLECT=1: collect workerd's garbage from opening the sockets before measuring (a diagnostic:
  // by default the first major collection, which sweeps the upgrades' Request and Response objects,
  // falls in a measured post, as it would on a server whose 1,000 clients all just reconnected).
  if (process.env.BENCH_COLLECT === "1" && server.inspectorPort !== undefined) {
    const ms = await collectWorkerGarbage(server.inspectorPort, async () => {
      await fetch(`${server.baseUrl}/health`);
    });
    console.log(`(c) workerd's heap collected after opening the sockets (answered in ${ms.toFixed(0)} ms)`);
  }
  // The floor: the same sockets, the same client, one frame each way with none of our code on the
  // path (the runtime answers `ping` through setWebSocketAutoResponse).
  const pingFloor = await pingRounds(clients, 1);
  const secondPingFloor = await pingRounds(clients, 2);
  const user: number[] = [];
  const publicLocal: number[] = [];
  let missing = 0;
  try {
    // Post -1 warms up (the first post of a run compiles the posting and streaming paths) and is
    // not counted.
    for (let p = -1; p < posts; p++) {
      const cpuBefore = cpuTimes();
      const sent = performance.now();
      const startedAt = process.hrtime.bigint();
      const res = await call<{ id: string }>(server.baseUrl, "/api/v1/statuses", {
        token: tokenFor(ACCOUNTS),
        method: "POST",
        json: { status: `streaming bench ${p} ${Date.now()}` },
        timeoutMs: 30_000,
      });
      if (res.status !== 200) throw new Error(`post failed: ${res.status}`);
      const id = res.body.id;
      const postMs = performance.now() - sent;
      const deadline = Date.now() + 60_000;
      const done = () => clients.every((c) => c.received.get(id)?.user !== undefined && c.received.get(id)?.public !== undefined);
      while (!done() && Date.now() < deadline) await sleep(20);
      if (process.env.BENCH_TRACE === "1")
        console.log(`${tracePost(p, postMs, clients, id, sent)}; ${cpuDelta(cpuBefore)}; t=${startedAt}`);
      if (p < 0) {
        while (!fannedOut.has(id) && Date.now() < deadline) await sleep(20);
        collectClientGarbage();
        await sleep(200);
        continue;
      }
      for (const c of clients) {
        const seen = c.received.get(id);
        if (seen?.user === undefined || seen.public === undefined) missing += 1;
        if (seen?.user !== undefined) user.push(seen.user - sent);
        if (seen?.public !== undefined) publicLocal.push(seen.public - sent);
      }
      // Each post is measured on its own: the next one waits until this one's feed writes are done
      // (on 2 cores, 1,000 AccountHub writes still running would be measured as the next post's latency).
      while (!fannedOut.has(id) && Date.now() < deadline) await sleep(20);
      collectClientGarbage();
      await sleep(200);
    }
  } finally {
    stop();
    for (const c of clients) c.ws.terminate();
  }
  return { sockets, posts, user, publicLocal, missing, shardMsPerFrame: shardMs, connectMs, pingFloor, secondPingFloor };
}

/**
 * A full collection of this process's heap, between posts. Its collector otherwise ran during one
 * post in four (frames kept past a scavenge fill the old space), and its concurrent marking then took
 * the second core from workerd for 100–180 ms of that post: the instrument measuring itself.
 */
function collectClientGarbage(): void {
  fullGc?.();
}

const fullGc: (() => void) | undefined = (() => {
  v8.setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  return typeof gc === "function" ? () => gc() : undefined;
})();

/** Five rounds of `perSocket` pings on every socket at once; the time to each socket's last pong. */
async function pingRounds(clients: Client[], perSocket: number): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (const c of clients) {
      c.pongAt = undefined;
      c.pongs = 0;
    }
    const sentAt = performance.now();
    for (let i = 0; i < perSocket; i++) for (const c of clients) c.ws.send("ping");
    const until = Date.now() + 10_000;
    while (clients.some((c) => c.pongs < perSocket) && Date.now() < until) await sleep(5);
    for (const c of clients) if (c.pongs >= perSocket && c.pongAt !== undefined) times.push(c.pongAt - sentAt);
    await sleep(200);
  }
  return times;
}

/** `BENCH_TRACE=1`: one line per post, with the POST's own time and the spread of receipts per stream. */
function tracePost(p: number, postMs: number, clients: Client[], id: string, sent: number): string {
  const spread = (pick: "user" | "public") => {
    const at = clients.flatMap((c) => c.received.get(id)?.[pick] ?? []).map((t) => t - sent);
    at.sort((a, b) => a - b);
    return `first ${at[0]?.toFixed(0)} mid ${at[at.length >> 1]?.toFixed(0)} last ${at.at(-1)?.toFixed(0)} ms`;
  };
  return `post ${p}: POST answered in ${postMs.toFixed(0)} ms; public:local ${spread("public")}; user ${spread("user")}`;
}

export function streamingRows(r: StreamingResult): Row[] {
  const floor50 = percentile(r.pingFloor, 50);
  const floor99 = percentile(r.pingFloor, 99);
  const p50 = `${r.sockets} pings → pongs p50`;
  const p99 = `${r.sockets} pings → pongs p99`;
  const second50 = percentile(r.secondPingFloor, 50);
  const second99 = percentile(r.secondPingFloor, 99);
  const s50 = `2 pings per socket → 2nd pong p50`;
  const s99 = `2 pings per socket → 2nd pong p99`;
  return [
    { figure: `open + subscribe ${r.sockets} sockets`, value: r.connectMs, unit: "ms" },
    { figure: "public:local post→receipt p50", value: percentile(r.publicLocal, 50), unit: "ms", floor: floor50, floorName: p50 },
    {
      figure: "public:local post→receipt p99",
      value: percentile(r.publicLocal, 99),
      unit: "ms",
      floor: floor99,
      floorName: p99,
      goal: "≤ 100 ms at 1,000",
    },
    { figure: "user post→receipt p50", value: percentile(r.user, 50), unit: "ms", floor: second50, floorName: s50 },
    {
      figure: "user post→receipt p99",
      value: percentile(r.user, 99),
      unit: "ms",
      floor: second99,
      floorName: s99,
      goal: "≤ 100 ms at 1,000",
    },
    { figure: "shard time per frame p50", value: percentile(r.shardMsPerFrame, 50), unit: "ms" },
    { figure: "sockets that missed an event", value: r.missing, unit: "" },
  ];
}

/** Linux: the machine's CPU jiffies (user+system, steal, idle), workerd's and this process's, to tell our work from the VM's stalls. */
function cpuTimes(): number[] {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const own = process.cpuUsage();
    return [
      (f[0] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0),
      f[7] ?? 0,
      f[3] ?? 0,
      workerdJiffies(),
      (own.user + own.system) / 10_000,
    ];
  } catch {
    return [0, 0, 0, 0, 0];
  }
}

let workerdPid: string | undefined;

/** utime + stime of the local workerd process, in jiffies (0 when it cannot be read). */
function workerdJiffies(): number {
  try {
    workerdPid ??= execSync("pgrep -f 'workerd serve' | head -1", { encoding: "utf8" }).trim();
    const fields = readFileSync(`/proc/${workerdPid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  } catch {
    return 0;
  }
}

function cpuDelta(before: number[]): string {
  const after = cpuTimes();
  const d = after.map((v, i) => Math.round((v - (before[i] ?? 0)) * 10));
  return `cpu ${d[0]} ms (workerd ${d[3]}, client ${d[4]}), steal ${d[1]} ms, idle ${d[2]} ms`;
}
