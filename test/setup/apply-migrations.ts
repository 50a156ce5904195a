import { applyD1Migrations, type D1Migration, env } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

// Applying is idempotent (applied migrations are recorded), so every test file can call it.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
