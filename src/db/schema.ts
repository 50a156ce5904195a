/**
 * The relational model in D1. Ids are snowflake integers (src/ids.ts); times are epoch milliseconds.
 * Booleans are stored as 0/1 integers. JSON columns hold small, bounded documents only.
 * The tables live in src/db/schema-*.ts by concern (drizzle-kit reads those files); this module
 * re-exports the core ones that most of the code imports.
 */
export * from "./schema-core";
export * from "./schema-federation";
export * from "./schema-notifications";
export * from "./schema-social";
