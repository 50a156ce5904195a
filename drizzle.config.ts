import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  // Every schema-*.ts part; schema.ts only re-exports some of them.
  schema: "./src/db/schema-*.ts",
  out: "./migrations",
});
