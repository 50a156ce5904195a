/**
 * Benchmark (a): the home timeline of a user following 100 accounts, over 1M statuses.
 * The feed is filled through the real path (100 follows through the API, each merging the target's
 * recent statuses), then pages 1 and 2 are read many times. Reported: end-to-end p50/p99 over HTTP,
 * in-Worker p50/p99 (Server-Timing `app`), D1 time and rows read per page (Server-Timing `d1`), and
 * the same statements on raw SQLite as the floor.
 */
import { call, expectOk } from "./lib/client";
import type { TraceLine } from "./lib/floor";
import { parseTrace } from "./lib/floor";
import type { SeedSummary } from "./lib/seed";
import { READER, tokenFor } from "./lib/seed";
import type { Server } from "./lib/server";
import { percentile, type Timing } from "./lib/stats";

export const FOLLOWED = 100;

export interface PageSamples {
  e2e: number[];
  app: number[];
  d1: number[];
  hub: number[];
  hydrate: number[];
  rows: number[];
  queries: number[];
}

export interface HomeResult {
  follow: { p50: number; p99: number };
  /** GET /health over the same HTTP path: what any request costs before the app does anything. */
  health: { p50: number; p99: number };
  pages: [PageSamples, PageSamples];
  traces: [TraceLine, TraceLine];
  statusesPerPage: [number, number];
}

const empty = (): PageSamples => ({ e2e: [], app: [], d1: [], hub: [], hydrate: [], rows: [], queries: [] });

function add(samples: PageSamples, e2eMs: number, t: Timing): void {
  samples.e2e.push(e2eMs);
  samples.app.push(t.appMs);
  samples.d1.push(t.d1Ms);
  samples.hub.push(t.hubMs);
  samples.hydrate.push(t.hydrateMs);
  samples.rows.push(t.rowsRead);
  samples.queries.push(t.queries);
}

export async function runHomeTimeline(server: Server, seed: SeedSummary, iterations: number): Promise<HomeResult> {
  const token = tokenFor(READER);
  const followTimes: number[] = [];
  for (let k = 1; k <= FOLLOWED; k++) {
    const target = seed.accountIds[(READER + k) % seed.accountIds.length] as number;
    const r = await expectOk(
      call(server.baseUrl, `/api/v1/accounts/${target}/follow`, { token, method: "POST", json: {} }),
      "follow",
    );
    followTimes.push(r.e2eMs);
  }

  const page1 = () => call<Array<{ id: string }>>(server.baseUrl, "/api/v1/timelines/home", { token });
  const first = await expectOk(page1(), "home page 1");
  const next = /<([^>]+)>; rel="next"/.exec(first.link ?? "")?.[1];
  if (!next) throw new Error("page 1 has no next link: the feed was not filled");
  const nextUrl = new URL(next);
  const page2Path = `${nextUrl.pathname}${nextUrl.search}`;
  const page2 = () => call<Array<{ id: string }>>(server.baseUrl, page2Path, { token });

  for (let i = 0; i < 30; i++) {
    await page1();
    await page2();
  }
  const pages: [PageSamples, PageSamples] = [empty(), empty()];
  let counts: [number, number] = [0, 0];
  for (let i = 0; i < iterations; i++) {
    const a = await expectOk(page1(), "home page 1");
    add(pages[0], a.e2eMs, a.timing);
    const b = await expectOk(page2(), "home page 2");
    add(pages[1], b.e2eMs, b.timing);
    counts = [a.body.length, b.body.length];
  }

  const trace = async (path: string): Promise<TraceLine> => {
    const line = server.waitForLine(/petrel-sql /, 10_000);
    await expectOk(call(server.baseUrl, path, { token, headers: { "x-petrel-trace-sql": "1" } }), "traced page");
    return parseTrace(await line);
  };
  const traces: [TraceLine, TraceLine] = [await trace("/api/v1/timelines/home"), await trace(page2Path)];
  const health: number[] = [];
  for (let i = 0; i < iterations; i++) health.push((await call(server.baseUrl, "/health")).e2eMs);
  return {
    follow: { p50: percentile(followTimes, 50), p99: percentile(followTimes, 99) },
    health: { p50: percentile(health, 50), p99: percentile(health, 99) },
    pages,
    traces,
    statusesPerPage: counts,
  };
}
