import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import type { Bindings } from "../env";
import type { DomainEvents } from "../events";
import { queueEvents } from "../events";

/**
 * drizzle over D1; `$client` is the raw binding, for statements drizzle's batch() cannot bind.
 * `$events`, when set, receives domain events (src/events.ts) raised by services using this handle.
 */
export type Db = DrizzleD1Database & { $client: D1Database; $events?: DomainEvents };

/**
 * Without drizzle's relational `db.query` API: given a schema, drizzle() rebuilds the relational
 * config of every table on each call, which is once per request (~1 ms of CPU, profiled), and the
 * query builder (`db.select()…`) needs none of it.
 */
export function createDb(d1: D1Database, events?: DomainEvents): Db {
  const db: Db = drizzle(d1);
  if (events) db.$events = events;
  return db;
}

/** The Db for code that holds the whole environment: events go out through the FANOUT queue. */
export function envDb(env: Pick<Bindings, "DB" | "FANOUT">): Db {
  return createDb(env.DB, queueEvents(env));
}
