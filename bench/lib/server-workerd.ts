/**
 * Runs the benchmark bundle in workerd through Miniflare, configured from wrangler.toml exactly as
 * `wrangler dev` configures it (wrangler's own unstable_getMiniflareWorkerOptions), on the same
 * `--persist-to` state layout, but without wrangler's dev proxy in front.
 *
 * Why not `wrangler dev` (still available with BENCH_RUNTIME=wrangler): wrangler attaches its
 * DevTools proxy to the runtime with `Network.enable`, so every D1 query and Durable Object call is
 * also reported, serialized and buffered by a second workerd and by wrangler's Node process. On this
 * machine that costs ~25 ms of CPU per home-timeline page outside the Worker — more than the page
 * itself — and none of it exists in production, where the request reaches the isolate directly.
 */
import path from "node:path";
import type { Readable } from "node:stream";
import { Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { findFreePort } from "../../scripts/lib/dev-settings";
import { WRANGLER_CONFIG } from "../../scripts/lib/repo";
import type { LogFeed, Server } from "./server";

export async function startWorkerdServer(
  stateDir: string,
  entry: string,
  vars: (port: number) => Record<string, string>,
  logs: LogFeed,
): Promise<Server> {
  const port = await findFreePort();
  const config = process.env.BENCH_WRANGLER_CONFIG ? path.resolve(process.env.BENCH_WRANGLER_CONFIG) : WRANGLER_CONFIG;
  const { workerOptions } = unstable_getMiniflareWorkerOptions(config);
  // A DevTools inspector: the streaming benchmark collects workerd's heap through it once its sockets
  // are open (unless BENCH_COLLECT=0), and BENCH_INSPECT=1 takes CPU profiles (bench/lib/profile.ts).
  // Nothing is attached to it otherwise, so it costs nothing.
  const inspectorPort = process.env.BENCH_INSPECT || process.env.BENCH_COLLECT !== "0" ? await findFreePort() : undefined;
  const pipe = (stream: Readable) => stream.setEncoding("utf8").on("data", logs.feed);
  const mf = new Miniflare({
    ...workerOptions,
    bindings: { ...(workerOptions.bindings ?? {}), ...vars(port) },
    modules: true,
    scriptPath: entry,
    modulesRoot: path.dirname(entry),
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    defaultPersistRoot: path.join(stateDir, "v3"),
    host: "127.0.0.1",
    // The placeholder `cf` object: no fetch of Cloudflare's from the benchmark machine.
    cf: false,
    port,
    log: new Log(LogLevel.WARN),
    ...(inspectorPort === undefined ? {} : { inspectorPort }),
    handleRuntimeStdio(stdout, stderr) {
      pipe(stdout);
      pipe(stderr);
    },
  });
  const url = await mf.ready;
  return {
    baseUrl: url.origin,
    inspectorPort,
    ...logs.api,
    async stop() {
      await mf.dispose();
    },
  };
}
