/**
 * Benchmark (b): posting a status by an author with 1,000 local followers.
 * Reported per post: how long the request held D1 (Server-Timing `d1`: summed SQL time of its
 * queries), the end-to-end and in-Worker request time, how long the FANOUT consumer took, and how long
 * from sending the POST until the status was in every follower's home feed: the moment the consumer's
 * log line says it wrote the last of them (1,000 AccountHub calls), confirmed over HTTP by polling
 * the home timeline of the last follower in fan-out order (then nine others). At the end every
 * follower's home is checked.
 */
import { call, expectOk, pool, sleep } from "./lib/client";
import { parseTrace, type TraceLine } from "./lib/floor";
import { ACCOUNTS, tokenFor } from "./lib/seed";
import type { Server } from "./lib/server";

export interface PostResult {
  e2e: number[];
  app: number[];
  d1: number[];
  rows: number[];
  written: number[];
  queries: number[];
  consumerMs: number[];
  /** From sending the POST until the consumer had written the status into all 1,000 feeds. */
  filledMs: number[];
  /** From sending the POST until the home timelines of the sampled followers showed it over HTTP. */
  seenMs: number[];
  verified: { followers: number; missing: number };
  trace: TraceLine;
  tracedStatusId: number;
}

/** Followers polled per post: the last one in fan-out (account id) order and nine spread out. */
const SAMPLE = [999, 0, 111, 222, 333, 444, 555, 666, 777, 888];

export async function runPostFanout(server: Server, posts: number): Promise<PostResult> {
  const star = tokenFor(ACCOUNTS);
  const consumer = new Map<number, { ms: number; at: number }>();
  const stopListening = server.onLine((line) => {
    const m = /fanout: status\.created status (\d+) \w+ in (\d+) ms/.exec(line);
    if (m) consumer.set(Number(m[1]), { ms: Number(m[2]), at: performance.now() });
  });

  /**
   * The newest status in a follower's home. A poll that gets no answer in 5 s counts as "not yet":
   * right after a fan-out that created many Durable Objects, `wrangler dev`'s proxy has been seen to
   * park one incoming request until the client gives up on it (the Worker never saw it).
   */
  const newest = async (index: number): Promise<number | undefined> => {
    try {
      const r = await call<Array<{ id: string }>>(server.baseUrl, "/api/v1/timelines/home?limit=1", {
        token: tokenFor(index),
        timeoutMs: 5_000,
      });
      return r.status === 200 && r.body[0] ? Number(r.body[0].id) : undefined;
    } catch {
      return undefined;
    }
  };

  const post = async (text: string, headers: Record<string, string> = {}) =>
    expectOk(call<{ id: string }>(server.baseUrl, "/api/v1/statuses", { token: star, json: { status: text }, headers }), "post");

  /** Polls the sampled followers in order, each until it shows `id`: the first is the last one fanned out to. */
  const waitSeen = async (id: number, started: number): Promise<number> => {
    for (const index of SAMPLE) {
      while ((await newest(index)) !== id) {
        if (performance.now() - started > 30_000) throw new Error(`status ${id} not in the feed of follower ${index} after 30 s`);
        await sleep(2);
      }
    }
    return performance.now() - started;
  };

  for (let i = 0; i < 3; i++) {
    const warm = await post(`warm-up ${i}`);
    await waitSeen(Number(warm.body.id), performance.now());
  }

  const result: Omit<PostResult, "verified" | "trace" | "tracedStatusId"> = {
    e2e: [],
    app: [],
    d1: [],
    rows: [],
    written: [],
    queries: [],
    consumerMs: [],
    filledMs: [],
    seenMs: [],
  };
  let last = 0;
  for (let i = 0; i < posts; i++) {
    const started = performance.now();
    const r = await post(`bench post ${i}`);
    const id = Number(r.body.id);
    result.e2e.push(r.e2eMs);
    result.app.push(r.timing.appMs);
    result.d1.push(r.timing.d1Ms);
    result.rows.push(r.timing.rowsRead);
    result.written.push(r.timing.rowsWritten);
    result.queries.push(r.timing.queries);
    result.seenMs.push(await waitSeen(id, started));
    const deadline = Date.now() + 10_000;
    while (!consumer.has(id) && Date.now() < deadline) await sleep(10);
    const done = consumer.get(id);
    if (!done) throw new Error(`no fanout log line for status ${id}`);
    result.consumerMs.push(done.ms);
    result.filledMs.push(done.at - started);
    last = id;
  }
  stopListening();

  // Every follower's home, a few at a time; a request that gets no answer is tried again (see newest()).
  let missing = 0;
  await pool(
    Array.from({ length: ACCOUNTS }, (_, i) => i),
    4,
    async (index) => {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const r = await call<Array<{ id: string }>>(server.baseUrl, `/api/v1/timelines/home?since_id=${last - 1}`, {
            token: tokenFor(index),
            timeoutMs: 20_000,
          });
          if (!(r.status === 200 && r.body.some((s) => Number(s.id) === last))) missing += 1;
          return;
        } catch {
          // parked or timed out: ask again
        }
      }
      missing += 1;
    },
  );

  const traced = server.waitForLine(/petrel-sql /, 10_000);
  const tracedPost = await post("traced post", { "x-petrel-trace-sql": "1" });
  const trace = parseTrace(await traced);
  await waitSeen(Number(tracedPost.body.id), performance.now());
  return { ...result, verified: { followers: ACCOUNTS, missing }, trace, tracedStatusId: Number(tracedPost.body.id) };
}
