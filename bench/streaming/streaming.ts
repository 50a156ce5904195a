/**
 * Benchmark (c): streaming. N sockets (`ws`, the token as Sec-WebSocket-Protocol as masto.js sends
 * it; held by BENCH_CLIENT_THREADS client threads, default 2, socket-thread.ts says why), each subscribed to `public:local` and to its own `user` stream; the seed's 1,000 accounts all
 * follow `star`, so every post by `star` reaches each socket twice: once on `public:local` and once
 * on `user`. The posting request commits the status with the streams' reads, then calls each socket
 * shard once (src/streaming/new-status.ts); the FANOUT consumer then writes the 1,000 feeds. Posts
 * are measured one at a time, after one warm-up post: the next waits for the previous fanout, and
 * the client threads collect their own garbage in between.
 *
 * Reported per stream: time from sending the POST to each socket's receipt (p50/p99 over every
 * socket and post), and the shards' own figure: the milliseconds a shard spent per frame it sent,
 * from its `streaming:` log lines (Date.now() in workerd advances on I/O, so this is an upper bound
 * that includes the shard's D1 reads: filters when not cached).
 * workerd collects its heap once the sockets are open (`BENCH_COLLECT=0` leaves it; see runStreaming).
 * `BENCH_TRACE=1` prints one line per post, with its CLOCK_MONOTONIC start (`t=`, ns) to line it up
 * with `perf record -k CLOCK_MONOTONIC -p <workerd>`.
 */
import { execSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { call, sleep } from "../lib/client";
import { collectWorkerGarbage } from "../lib/profile";
import { ACCOUNTS, tokenFor } from "../lib/seed";
import type { Server } from "../lib/server";
import { percentile, type Row } from "../lib/stats";
import { type Command, nowMs, type Reply } from "./socket-thread";

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

/** The client threads, each with its share of the sockets (socket-thread.ts). */
class ClientPool {
  private constructor(private readonly threads: Worker[]) {}

  static async open(server: Server, sockets: number, threads: number): Promise<ClientPool> {
    const url = `${server.baseUrl.replace(/^http/, "ws")}/api/v1/streaming`;
    const workers = Array.from({ length: threads }, () => new Worker(new URL("./socket-thread-boot.mjs", import.meta.url)));
    const pool = new ClientPool(workers);
    try {
      await pool.all((t) => ({
        t: "open",
        url,
        tokens: Array.from({ length: sockets }, (_, i) => i)
          .filter((i) => i % threads === t)
          .map((i) => tokenFor(i % ACCOUNTS)),
      }));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private ask(worker: Worker, command: Command): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onMessage = (reply: Reply) => {
        worker.off("error", onError);
        if (reply.t === "error") reject(new Error(reply.message));
        else resolve(reply);
      };
      const onError = (err: Error) => {
        worker.off("message", onMessage);
        reject(err);
      };
      worker.once("message", onMessage);
      worker.once("error", onError);
      worker.postMessage(command);
    });
  }

  /** The same command (or one per thread) to every thread at once; their replies. */
  all(command: Command | ((thread: number) => Command)): Promise<Reply[]> {
    return Promise.all(this.threads.map((w, i) => this.ask(w, typeof command === "function" ? command(i) : command)));
  }

  async close(): Promise<void> {
    await this.all({ t: "close" }).catch(() => undefined);
    await Promise.all(this.threads.map((w) => w.terminate()));
  }
}

const CLIENT_THREADS = Math.max(1, Number(process.env.BENCH_CLIENT_THREADS ?? 2) || 1);

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
  const t0 = performance.now();
  let pool: ClientPool;
  try {
    pool = await ClientPool.open(server, sockets, CLIENT_THREADS);
  } catch (err) {
    stop();
    throw new Error(`${sockets} sockets did not open: ${(err as Error).message}; ${workerdFiles()}`);
  }
  const connectMs = performance.now() - t0;
  // Measured in the steady state: workerd's heap is collected once the sockets are open. The 1,000
  // upgrades leave Request, Response and 101-response objects behind, and the first major collection,
  // which one of the first posts triggered, swept them all (30–45 ms in that post, so one post of
  // twenty set the p99). A server does that once after its clients reconnect, not on every post.
  // BENCH_COLLECT=0 measures with that collection left to fall where it falls.
  if (process.env.BENCH_COLLECT !== "0" && server.inspectorPort !== undefined) {
    const ms = await collectWorkerGarbage(server.inspectorPort, async () => {
      await fetch(`${server.baseUrl}/health`);
    });
    console.log(`(c) workerd's heap collected after opening the sockets (answered in ${ms.toFixed(0)} ms)`);
  }
  const user: number[] = [];
  const publicLocal: number[] = [];
  let missing = 0;
  let pingFloor: number[] = [];
  let secondPingFloor: number[] = [];
  try {
    // The floor: the same sockets, the same client, one frame each way with none of our code on the
    // path (the runtime answers `ping` through setWebSocketAutoResponse).
    pingFloor = await pingRounds(pool, 1);
    secondPingFloor = await pingRounds(pool, 2);
    // Post -1 warms up (the first post of a run compiles the posting and streaming paths) and is
    // not counted.
    for (let p = -1; p < posts; p++) {
      const cpuBefore = cpuTimes();
      const sent = nowMs();
      const startedAt = process.hrtime.bigint();
      const res = await call<{ id: string }>(server.baseUrl, "/api/v1/statuses", {
        token: tokenFor(ACCOUNTS),
        method: "POST",
        json: { status: `streaming bench ${p} ${Date.now()}` },
        timeoutMs: 30_000,
      });
      if (res.status !== 200) throw new Error(`post failed: ${res.status}`);
      const id = res.body.id;
      const postMs = nowMs() - sent;
      const seen = (await pool.all({ t: "watch", id, sentAt: sent, timeoutMs: 60_000 })) as Array<Extract<Reply, { t: "seen" }>>;
      const got = { user: seen.flatMap((r) => r.user), public: seen.flatMap((r) => r.public) };
      if (process.env.BENCH_TRACE === "1") {
        const d1 = `D1 ${res.timing.d1Ms.toFixed(0)} ms in ${res.timing.queries} calls, app ${res.timing.appMs.toFixed(0)} ms`;
        console.log(`${tracePost(p, postMs, got)}; ${d1}; ${cpuDelta(cpuBefore)}; t=${startedAt}`);
      }
      if (p >= 0) {
        user.push(...got.user);
        publicLocal.push(...got.public);
        missing += seen.reduce((n, r) => n + r.missing, 0);
      }
      // Each post is measured on its own: the next one waits until this one's feed writes are done
      // (on 2 cores, 1,000 AccountHub writes still running would be measured as the next post's latency).
      const deadline = Date.now() + 60_000;
      while (!fannedOut.has(id) && Date.now() < deadline) await sleep(20);
      await pool.all({ t: "gc" });
      await sleep(200);
    }
  } finally {
    stop();
    await pool.close();
  }
  return { sockets, posts, user, publicLocal, missing, shardMsPerFrame: shardMs, connectMs, pingFloor, secondPingFloor };
}

/** Five rounds of `perSocket` pings on every socket at once; the time to each socket's last pong. */
async function pingRounds(pool: ClientPool, perSocket: number): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const replies = (await pool.all({ t: "ping", perSocket })) as Array<Extract<Reply, { t: "pinged" }>>;
    for (const r of replies) times.push(...r.times);
    await sleep(200);
  }
  return times;
}

/** `BENCH_TRACE=1`: one line per post, with the POST's own time and the spread of receipts per stream. */
function tracePost(p: number, postMs: number, got: { user: number[]; public: number[] }): string {
  const spread = (values: number[]) => {
    const at = [...values].sort((a, b) => a - b);
    return `first ${at[0]?.toFixed(0)} mid ${at[at.length >> 1]?.toFixed(0)} last ${at.at(-1)?.toFixed(0)} ms`;
  };
  return `post ${p}: POST answered in ${postMs.toFixed(0)} ms; public:local ${spread(got.public)}; user ${spread(got.user)}`;
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
