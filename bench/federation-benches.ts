/**
 * The workerd federation benchmarks (bench/federation/*.bench.test.ts), run by `npm run bench` after
 * the D1 ones, one file at a time:
 * - inbox-throughput: issue #5's figures for cavage and RFC 9421, each beside the WebCrypto floor of
 *   the same run (RSA-2048 verify + SHA-256 + JSON.parse): CPU per verified activity through the
 *   route's own steps without D1 (goal ≤ 4×), the key read and the dedupe batch timed apart, and
 *   accepted activities per second for the whole POST /inbox, one at a time and 16 in flight;
 * - inbound-verify: the same CPU split step by step;
 * - delivery: outbound delivery of one post to 10,000 followers.
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
