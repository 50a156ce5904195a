/**
 * Runs the federation micro-benchmarks inside workerd (the same runtime as production):
 *   npx vitest run --config bench/federation/vitest.config.ts
 * Kept out of the test suite: it takes seconds and its numbers depend on the machine.
 */
import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../..", import.meta.url));

// The delivery benchmark reads keys and per-server state from D1, so the real migrations are applied.
const migrations = await readD1Migrations(`${root}/migrations`);

export default defineConfig({
  root,
  plugins: [
    cloudflareTest({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: migrations,
          SECRET_KEY_BASE: "bench-secret-key-base-0123456789abcdefghijklmnop",
          ENVIRONMENT: "development",
          LOCAL_DOMAIN: "petrel.test",
        },
      },
    }),
  ],
  test: {
    include: ["bench/federation/**/*.bench.test.ts"],
    setupFiles: [`${root}/test/setup/apply-migrations.ts`],
    testTimeout: 300_000,
    // CPU figures are compared with a floor measured in the same run: files must not compete for the cores.
    fileParallelism: false,
  },
});
