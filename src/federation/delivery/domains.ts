/**
 * What delivery remembers per remote server, in D1:
 * - `remote_origins` (keyed by origin, `https://host`): the signature style that works there and
 *   `unavailable_since`, set while deliveries to it are stopped;
 * - `delivery_failures` (keyed by domain, the URL host, and UTC day): one row per day on which a
 *   delivery to the domain failed transiently (count = failed rounds that day).
 *
 * Mastodon's DeliveryFailureTracker: a domain that has failed on FAILURE_DAYS_THRESHOLD distinct days
 * becomes unavailable and is skipped; any answer from it (a delivery it took or refused, or an
 * activity it delivered to our inbox) clears both. Every query is by primary key, one statement per
 * domain at most, and the reads of a whole message go in one round trip.
 */
import type { Db } from "../../db/client";
import { FAILURE_DAYS_THRESHOLD, utcDay } from "./policy";

export type SignatureStyle = "cavage" | "rfc9421";

export interface OriginState {
  style: SignatureStyle;
  unavailable: boolean;
}

/** A remote server as both tables name it. */
export interface Server {
  origin: string;
  domain: string;
}

export function serverOf(url: string): Server | null {
  try {
    const u = new URL(url);
    return { origin: u.origin, domain: u.host.toLowerCase() };
  } catch {
    return null;
  }
}

export interface DomainStates {
  origins: Map<string, OriginState>;
  /** Domains with at least one recorded failure day (a success there has something to clear). */
  failing: Set<string>;
}

export async function loadDomainStates(db: Db, servers: Server[]): Promise<DomainStates> {
  const origins = new Map<string, OriginState>();
  const failing = new Set<string>();
  if (servers.length === 0) return { origins, failing };
  const d1 = db.$client;
  const [originRows, failureRows] = await d1.batch<Record<string, unknown>>([
    d1
      .prepare(
        "SELECT origin, signature_style, unavailable_since FROM remote_origins WHERE origin IN (SELECT value FROM json_each(?))",
      )
      .bind(JSON.stringify(servers.map((s) => s.origin))),
    d1
      .prepare("SELECT DISTINCT domain FROM delivery_failures WHERE domain IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(servers.map((s) => s.domain))),
  ]);
  for (const row of originRows?.results ?? []) {
    origins.set(String(row.origin), {
      style: row.signature_style === "rfc9421" ? "rfc9421" : "cavage",
      unavailable: row.unavailable_since !== null && row.unavailable_since !== undefined,
    });
  }
  for (const row of failureRows?.results ?? []) failing.add(String(row.domain));
  return { origins, failing };
}

/**
 * Counts today as a failure day for each server and marks those that have now failed on
 * FAILURE_DAYS_THRESHOLD distinct days unavailable. Returns the servers newly marked.
 */
export async function recordFailures(db: Db, servers: Server[], now: number): Promise<Server[]> {
  if (servers.length === 0) return [];
  const d1 = db.$client;
  const day = utcDay(now);
  const statements = servers.map((s) =>
    d1
      .prepare(
        "INSERT INTO delivery_failures (domain, day, count) VALUES (?, ?, 1) ON CONFLICT (domain, day) DO UPDATE SET count = count + 1",
      )
      .bind(s.domain, day),
  );
  statements.push(
    d1
      .prepare(
        "SELECT domain, count(*) AS days FROM delivery_failures WHERE domain IN (SELECT value FROM json_each(?)) GROUP BY domain",
      )
      .bind(JSON.stringify(servers.map((s) => s.domain))),
  );
  const results = await d1.batch<{ domain: string; days: number }>(statements);
  const counts = results[results.length - 1]?.results ?? [];
  const over = new Set(counts.filter((r) => r.days >= FAILURE_DAYS_THRESHOLD).map((r) => r.domain));
  const marked = servers.filter((s) => over.has(s.domain));
  if (marked.length > 0) {
    await d1.batch(
      marked.map((s) =>
        d1
          .prepare(
            "INSERT INTO remote_origins (origin, signature_style, unavailable_since, updated_at) VALUES (?, 'cavage', ?, ?) " +
              "ON CONFLICT (origin) DO UPDATE SET unavailable_since = coalesce(unavailable_since, excluded.unavailable_since), updated_at = excluded.updated_at",
          )
          .bind(s.origin, now, now),
      ),
    );
  }
  return marked;
}

/** The servers answered: forget their failure days and make them available again. */
export async function clearFailures(db: Db, servers: Server[], now: number): Promise<void> {
  if (servers.length === 0) return;
  const d1 = db.$client;
  await d1.batch([
    d1
      .prepare("DELETE FROM delivery_failures WHERE domain IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(servers.map((s) => s.domain))),
    d1
      .prepare(
        "UPDATE remote_origins SET unavailable_since = NULL, updated_at = ? WHERE origin IN (SELECT value FROM json_each(?)) AND unavailable_since IS NOT NULL",
      )
      .bind(now, JSON.stringify(servers.map((s) => s.origin))),
  ]);
}

export async function rememberSignatureStyle(db: Db, origin: string, style: SignatureStyle, now: number): Promise<void> {
  await db.$client
    .prepare(
      "INSERT INTO remote_origins (origin, signature_style, updated_at) VALUES (?, ?, ?) " +
        "ON CONFLICT (origin) DO UPDATE SET signature_style = excluded.signature_style, updated_at = excluded.updated_at",
    )
    .bind(origin, style, now)
    .run();
}

/**
 * An activity from `actorUri`'s server reached our inbox: the server is up, so deliveries to it
 * resume (Mastodon resets its DeliveryFailureTracker the same way). One indexed read when there is
 * nothing to clear, which is almost always. Never throws: the inbox must not fail over this.
 */
export async function domainAnswered(db: Db, actorUri: string, now: number = Date.now()): Promise<void> {
  const server = serverOf(actorUri);
  if (!server) return;
  try {
    const row = await pendingFailuresQuery(db, server).first<PendingFailures>();
    await clearAnsweredFailures(db, server, row, now);
  } catch (err) {
    console.error("delivery: could not clear failures of", server.domain, err);
  }
}

export type PendingFailures = { pending: number };

/** The read behind `domainAnswered`, for a caller that sends it in one batch with its own statements (the inbox). */
export function pendingFailuresQuery(db: Db, server: Server): D1PreparedStatement {
  return db.$client
    .prepare(
      "SELECT EXISTS (SELECT 1 FROM delivery_failures WHERE domain = ?) OR EXISTS (SELECT 1 FROM remote_origins WHERE origin = ? AND unavailable_since IS NOT NULL) AS pending",
    )
    .bind(server.domain, server.origin);
}

/** The rest of `domainAnswered` once `pendingFailuresQuery` answered (never throws). */
export async function clearAnsweredFailures(
  db: Db,
  server: Server,
  row: PendingFailures | null | undefined,
  now: number = Date.now(),
): Promise<void> {
  if (!row?.pending) return;
  try {
    await clearFailures(db, [server], now);
  } catch (err) {
    console.error("delivery: could not clear failures of", server.domain, err);
  }
}
