import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Two projects:
 * - `workers`: unit and integration tests inside workerd (real D1 with the real migrations, R2,
 *   Queues and Durable Objects from wrangler.toml), driven through `SELF.fetch`.
 * - `e2e`: Node tests that start real `wrangler dev` instances on loopback and drive them with real
 *   client libraries (masto, megalodon) over HTTP.
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  SECRET_KEY_BASE: "test-secret-key-base-0123456789abcdefghijklmnopqrstuvwxyz",
                  ENVIRONMENT: "development",
                  LOCAL_DOMAIN: "petrel.test",
                  REGISTRATIONS_MODE: "open",
                  CONTACT_EMAIL: "admin@petrel.test",
                  INSTANCE_RULES: '["Be kind.","No spam."]',
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["src/**/*.test.ts", "test/**/*.test.ts"],
            exclude: ["test/e2e/**", "node_modules/**"],
            setupFiles: ["./test/setup/apply-migrations.ts"],
            // Integration tests run many D1 and Durable Object round trips; on a busy 2-core runner
            // vitest's 5 s default fails slow machines, not slow code (timings live in bench/).
            testTimeout: 20_000,
          },
        },
        {
          test: {
            name: "e2e",
            include: ["test/e2e/**/*.test.ts"],
            environment: "node",
            testTimeout: 60_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
