import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import type { Bindings } from "../env";
import type { DomainEvents } from "../events";
import { queueEvents } from "../events";
import * as schema from "./schema";

/**
 * drizzle over D1; `$client` is the raw binding, for statements drizzle's batch() cannot bind.
 * `$events`, when set, receives domain events (src/events.ts) raised by services using this handle.
 */
export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database; $events?: DomainEvents };

export function createDb(d1: D1Database, events?: DomainEvents): Db {
  const db: Db = drizzle(d1, { schema });
  if (events) db.$events = events;
  return db;
}

/** The Db for code that holds the whole environment: events go out through the FANOUT queue. */
export function envDb(env: Pick<Bindings, "DB" | "FANOUT">): Db {
  return createDb(env.DB, queueEvents(env));
}
