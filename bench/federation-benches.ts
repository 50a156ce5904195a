/**
 * The workerd federation benchmarks (bench/federation/*.bench.test.ts: inbound verification cost,
 * the whole inbox path per signed activity, outbound delivery of one post to 10,000 followers), run by
 * `npm run bench` after the D1 ones.
 * Alone: `npx vitest run --config bench/federation/vitest.config.ts [bench/federation/delivery.bench.test.ts]`.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export function runFederationBenches(): void {
  console.log("\nfederation benchmarks (workerd)");
  const result = spawnSync("npx", ["vitest", "run", "--config", "bench/federation/vitest.config.ts"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error(`federation benchmarks failed (exit ${result.status ?? result.signal})`);
}
