/**
 * `npm run bench` runs the streaming benchmark after the others (bench/run.ts); this file runs it
 * alone on a copy of the same seed:
 *
 *   npx tsx bench/streaming/run.ts [-- --sockets 1000,5000 --posts 10]
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyLocalMigrations, loadOrCreateSecretKeyBase } from "../../scripts/lib/local-state";
import { STATUSES } from "../lib/seed";
import { BENCH_DATA, type Server, startServer } from "../lib/server";
import { printTable } from "../lib/stats";
import { runStreaming, streamingRows } from "./streaming";

export const DEFAULT_SOCKETS = [1_000, 5_000];
export const DEFAULT_POSTS = 10;

/** Runs (c) for each socket count on a running bench server and prints its tables. */
export async function runStreamingBenches(server: Server, counts = DEFAULT_SOCKETS, posts = DEFAULT_POSTS): Promise<void> {
  for (const sockets of counts) {
    console.log(`(c) streaming: ${sockets} sockets on public:local and their user streams, ${posts} posts by star`);
    try {
      const result = await runStreaming(server, sockets, posts);
      printTable(`(c) streaming, ${sockets} sockets (${posts} posts, each reaching every socket twice)`, streamingRows(result));
    } catch (err) {
      // Local limits (open files in workerd, above all) end a large case; the others still report.
      console.log(`(c) streaming, ${sockets} sockets: not measured: ${(err as Error).message}`);
    }
  }
}

function list(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : undefined;
  return raw === undefined ? fallback : raw.split(",").map(Number);
}

async function main(): Promise<void> {
  const seedDir = path.join(BENCH_DATA, `seed-${STATUSES}`);
  if (!existsSync(path.join(seedDir, "seed.json"))) throw new Error("no seed yet: run `npm run bench` once first");
  const stateDir = mkdtempSync(path.join(os.tmpdir(), "petrel-bench-streaming-"));
  try {
    cpSync(seedDir, stateDir, { recursive: true });
    // The seed was built with the migrations of its day; later ones apply to the copy.
    await applyLocalMigrations(stateDir);
    const server = await startServer(stateDir, loadOrCreateSecretKeyBase(stateDir));
    try {
      await runStreamingBenches(server, list("sockets", DEFAULT_SOCKETS), list("posts", [DEFAULT_POSTS])[0] ?? DEFAULT_POSTS);
    } catch (err) {
      console.error(`wrangler's last lines:\n${server.recentOutput()}`);
      throw err;
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.dirname, "run.ts")) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
