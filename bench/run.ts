/**
 * `npm run bench`: the hot-path benchmarks of DESIGN.md §2–3 on a seeded local D1.
 *
 *   npm run bench [-- --statuses 1000000 --pages 300 --posts 20 --reseed --skip streaming,federation,media]
 *
 * 1. A pristine seed (bench/lib/seed.ts: 1,000 accounts + the author `star`, ~100,000 follows,
 *    1,000,000 statuses) is built once under bench/.data/seed-<statuses> and copied to a temp
 *    PETREL_STATE_DIR for every run, so runs never see each other's writes.
 * 2. `wrangler dev` serves the Worker on that state (bench/lib/server.ts).
 * 3. (a) home timeline pages 1 and 2 for a user following 100 accounts; (b) posts by `star`, whose
 *    1,000 followers are all local.
 * 4. The server is stopped and the statements each request ran are replayed on the same SQLite file
 *    with better-sqlite3: the raw floor every figure is printed beside.
 * 5. Streaming (sockets on one instance), federation (inbox verify, delivery fan-out) and media (CPU per
 *    image) benchmarks, each beside its own floor.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { applyLocalMigrations, ensureStateDir, loadOrCreateSecretKeyBase } from "../scripts/lib/local-state";
import { ACCOUNT_SHARDS } from "../src/services/feed-shards";
import { runFederationBenches } from "./federation-benches";
import { FOLLOWED, runHomeTimeline } from "./home-timeline";
import { replayFloor } from "./lib/floor";
import { d1File, type SeedSummary, STATUSES, seed } from "./lib/seed";
import { BENCH_DATA, startServer } from "./lib/server";
import { percentile, printTable } from "./lib/stats";
import { runMediaBench } from "./media/run";
import { runPostFanout } from "./post-fanout";
import { runStreamingBenches } from "./streaming/run";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number`);
  return n;
}

async function prepareSeed(statuses: number, reseed: boolean): Promise<{ dir: string; summary: SeedSummary }> {
  const dir = path.join(BENCH_DATA, `seed-${statuses}`);
  const marker = path.join(dir, "seed.json");
  if (!reseed && existsSync(marker)) return { dir, summary: JSON.parse(readFileSync(marker, "utf8")) as SeedSummary };
  rmSync(dir, { recursive: true, force: true });
  ensureStateDir(dir);
  console.log(`seeding ${statuses} statuses into ${dir} (once; --reseed to rebuild)`);
  await applyLocalMigrations(dir);
  const summary = seed(d1File(dir), { statuses, log: (line) => console.log(`  ${line}`) });
  writeFileSync(marker, JSON.stringify(summary));
  return { dir, summary };
}

/**
 * The raw floor of fanning one status out to 1,000 feeds: the rows split over ACCOUNT_SHARDS separate
 * SQLite databases, one commit in each, as each AccountHub shard commits its part of the followers in
 * one step. `durable`: files in the temp directory, WAL, synchronous=FULL (an fsync per commit, as
 * storage that survives a crash needs); otherwise in memory (SQLite's CPU cost only).
 */
const DURABLE_FLOOR = `1,000 rows, ${ACCOUNT_SHARDS} durable commits`;
const MEMORY_FLOOR = `1,000 rows, ${ACCOUNT_SHARDS} in-memory commits`;

function fanoutFloorMs(followers: number, durable: boolean): number {
  const dir = durable ? mkdtempSync(path.join(os.tmpdir(), "petrel-floor-")) : undefined;
  const perShard = Math.ceil(followers / ACCOUNT_SHARDS);
  const feeds = Array.from({ length: ACCOUNT_SHARDS }, (_, i) => {
    const db = new Database(dir ? path.join(dir, `${i}.sqlite`) : ":memory:");
    if (dir) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
    }
    db.exec(
      "CREATE TABLE feed_entries (account_id INTEGER, feed INTEGER, status_id INTEGER, author_id INTEGER, PRIMARY KEY (account_id, feed, status_id)) WITHOUT ROWID",
    );
    const insert = db.prepare("INSERT INTO feed_entries VALUES (?, 0, ?, 1)");
    return {
      db,
      commit: db.transaction((statusId: number) => {
        for (let a = 0; a < perShard; a++) insert.run(a, statusId);
      }),
    };
  });
  const times: number[] = [];
  for (let round = 0; round < 10; round++) {
    const t0 = process.hrtime.bigint();
    for (const f of feeds) f.commit(round + 1);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  for (const f of feeds) f.db.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  return percentile(times, 50);
}

async function main(): Promise<void> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "petrel-bench-"));
  try {
    await benchmark(stateDir);
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
  if (!skipped("federation")) runFederationBenches();
  // CPU per image (12 MP JPEG, 1 MP PNG) in workerd beside the same codecs under Node, as a ratio.
  if (!skipped("media")) await runMediaBench();
}

/** `--skip streaming,federation,media`: leave parts out (the home timeline and posting always run). */
function skipped(part: "streaming" | "federation" | "media"): boolean {
  const i = process.argv.indexOf("--skip");
  const list = i >= 0 ? (process.argv[i + 1] ?? "") : "";
  return list.split(",").includes(part);
}

async function benchmark(stateDir: string): Promise<void> {
  const statuses = option("statuses", STATUSES);
  const pages = option("pages", 300);
  const posts = option("posts", 20);
  const { dir: seedDir, summary } = await prepareSeed(statuses, process.argv.includes("--reseed"));
  cpSync(seedDir, stateDir, { recursive: true });
  // Migrations added since the seed was built apply to the copy (applied ones are recorded and skipped).
  await applyLocalMigrations(stateDir);
  const secret = loadOrCreateSecretKeyBase(stateDir);
  console.log(`state: ${stateDir} (${summary.accounts} accounts, ${summary.follows} follows, ${summary.statuses} statuses)`);

  const server = await startServer(stateDir, secret);
  let home: Awaited<ReturnType<typeof runHomeTimeline>>;
  let post: Awaited<ReturnType<typeof runPostFanout>>;
  try {
    console.log(`server: ${server.baseUrl}; (a) following ${FOLLOWED} accounts, then ${pages}× pages 1 and 2`);
    home = await runHomeTimeline(server, summary, pages);
    console.log(`(b) ${posts} posts by an author with 1,000 local followers`);
    post = await runPostFanout(server, posts);
    if (!skipped("streaming")) await runStreamingBenches(server);
  } catch (err) {
    console.error(`wrangler's last lines:\n${server.recentOutput()}`);
    throw err;
  } finally {
    await server.stop();
  }

  const file = d1File(stateDir);
  const floors = home.traces.map((t) => replayFloor(file, t.statements));
  const undo = [
    `DELETE FROM statuses WHERE id = ${post.tracedStatusId}`,
    `DELETE FROM mentions WHERE status_id = ${post.tracedStatusId}`,
    `DELETE FROM status_tags WHERE status_id = ${post.tracedStatusId}`,
  ];
  const postFloor = replayFloor(file, post.trace.statements, { iterations: 500, undo });
  const fanoutFloor = fanoutFloorMs(1_000, true);
  const fanoutCpuFloor = fanoutFloorMs(1_000, false);

  home.pages.forEach((p, i) => {
    const floor = floors[i];
    if (!floor) return;
    printTable(`(a) home timeline page ${i + 1}: ${home.statusesPerPage[i]} statuses, ${statuses} statuses in D1`, [
      { figure: "e2e p50 (HTTP)", value: percentile(p.e2e, 50), unit: "ms", floor: floor.p50Ms, floorName: "raw SQLite p50" },
      {
        figure: "e2e p99 (HTTP)",
        value: percentile(p.e2e, 99),
        unit: "ms",
        floor: floor.p99Ms,
        floorName: "raw SQLite p99",
        goal: "≤ 30 ms",
      },
      {
        figure: "e2e p50 vs GET /health",
        value: percentile(p.e2e, 50),
        unit: "ms",
        floor: home.health.p50,
        floorName: "HTTP floor p50",
      },
      {
        figure: "e2e p99 vs GET /health",
        value: percentile(p.e2e, 99),
        unit: "ms",
        floor: home.health.p99,
        floorName: "HTTP floor p99",
      },
      { figure: "in-Worker p50", value: percentile(p.app, 50), unit: "ms", floor: floor.p50Ms, floorName: "raw SQLite p50" },
      { figure: "in-Worker p99", value: percentile(p.app, 99), unit: "ms", floor: floor.p99Ms, floorName: "raw SQLite p99" },
      { figure: "D1 time p50", value: percentile(p.d1, 50), unit: "ms", floor: floor.p50Ms, floorName: "raw SQLite p50" },
      { figure: "AccountHub p50", value: percentile(p.hub, 50), unit: "ms" },
      { figure: "hydration p50", value: percentile(p.hydrate, 50), unit: "ms", floor: floor.p50Ms, floorName: "raw SQLite p50" },
      { figure: "D1 rows read", value: percentile(p.rows, 50), unit: "rows", goal: "≤ 100" },
      { figure: "D1 queries", value: percentile(p.queries, 50), unit: "", floor: floor.statements, floorName: "statements" },
    ]);
  });
  printTable(`(b) post by an author with 1,000 local followers (${posts} posts)`, [
    {
      figure: "D1 held per post p50",
      value: percentile(post.d1, 50),
      unit: "ms",
      floor: postFloor.p50Ms,
      floorName: "raw SQLite p50",
    },
    {
      figure: "D1 held per post p99",
      value: percentile(post.d1, 99),
      unit: "ms",
      floor: postFloor.p99Ms,
      floorName: "raw SQLite p99",
      goal: "≤ 10 ms",
    },
    {
      figure: "POST e2e p50 (HTTP)",
      value: percentile(post.e2e, 50),
      unit: "ms",
      floor: postFloor.p50Ms,
      floorName: "raw SQLite p50",
    },
    { figure: "POST in-Worker p50", value: percentile(post.app, 50), unit: "ms" },
    {
      figure: "D1 rows read / written",
      value: percentile(post.rows, 50),
      unit: `rows (${percentile(post.written, 50)} written)`,
    },
    {
      figure: "FANOUT consumer p50",
      value: percentile(post.consumerMs, 50),
      unit: "ms",
      floor: fanoutFloor,
      floorName: DURABLE_FLOOR,
    },
    {
      figure: "FANOUT consumer p50",
      value: percentile(post.consumerMs, 50),
      unit: "ms",
      floor: fanoutCpuFloor,
      floorName: MEMORY_FLOOR,
    },
    {
      figure: "FANOUT consumer p99",
      value: percentile(post.consumerMs, 99),
      unit: "ms",
      floor: fanoutFloor,
      floorName: DURABLE_FLOOR,
    },
    {
      figure: "in all 1,000 feeds p50",
      value: percentile(post.filledMs, 50),
      unit: "ms",
      floor: fanoutFloor,
      floorName: DURABLE_FLOOR,
    },
    {
      figure: "in all 1,000 feeds p99",
      value: percentile(post.filledMs, 99),
      unit: "ms",
      floor: fanoutFloor,
      floorName: DURABLE_FLOOR,
      goal: "≤ 2,000 ms",
    },
    { figure: "seen over HTTP p50", value: percentile(post.seenMs, 50), unit: "ms" },
    { figure: "seen over HTTP p99", value: percentile(post.seenMs, 99), unit: "ms" },
  ]);
  console.log(
    `\nfollow via API (merge of ${FOLLOWED} accounts): p50 ${home.follow.p50.toFixed(1)} ms, p99 ${home.follow.p99.toFixed(1)} ms`,
  );
  console.log(
    `last post in the home feed of ${post.verified.followers - post.verified.missing} of ${post.verified.followers} followers`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
