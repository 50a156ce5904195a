/**
 * Receiving an activity (DESIGN §2): size cap → exact body bytes → JSON → HTTP signature and body
 * digest, verified here in the request handler because some peers' signatures expire within
 * minutes (INTEROP §1.1, Threads) → the key's owner must be the activity's actor → dedupe by
 * activity id → enqueue INBOX → 202. Every refusal is a bare status with a short plain reason,
 * logged, and leaves nothing stored or enqueued.
 *
 * Cheap checks run before any key fetch, so a malformed, stale or tampered request costs no
 * network round trip.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import type { Config } from "../config";
import { toHex } from "../crypto/encoding";
import { inboxActivities } from "../db/schema";
import { enqueueInbox, type InboxMessage } from "../queue/messages";
import type { FederationDeps, FederationEnv } from "./authorized-fetch";
import { domainAnswered } from "./delivery/domains";
import { MAX_BODY_BYTES, readCapped, remoteContext } from "./fetch";
import { getActorKey } from "./remote-actors";
import { hashBytes } from "./signatures/digest";
import { mastodonPolicy } from "./signatures/policy";
import { checkBodyDigest, messageFromRequest, parseSignature, verifyParsedSignature } from "./signatures/verify";
import { parseActivity } from "./vocab/activity";
import { idOf, isObject, type JsonObject } from "./vocab/json";

/** Queue messages are capped at 128 KB; leave room for the envelope. */
const MAX_QUEUED_ACTIVITY_BYTES = 120_000;

type Outcome = { status: 202 | 400 | 401 | 404 | 413 | 503; reason: string };

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** `Delete{actor: A, object: A}`: the only activity accepted when A's key answers 410. */
function isSelfDelete(activity: JsonObject, actor: string): boolean {
  return activity.type === "Delete" && idOf(Array.isArray(activity.object) ? activity.object[0] : activity.object) === actor;
}

function actorOf(activity: JsonObject): string | null {
  return idOf(Array.isArray(activity.actor) ? activity.actor[0] : activity.actor);
}

interface Accepted {
  activity: JsonObject;
  actorUri: string;
  body: Uint8Array;
  actorGone: boolean;
}

async function verifyRequest(c: Context<FederationEnv>, deps: FederationDeps): Promise<Outcome | Accepted> {
  const config: Config = c.get("config");
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return { status: 413, reason: "body larger than 1 MB" };
  const body = await readCapped(c.req.raw.body, MAX_BODY_BYTES);
  if (!body) return { status: 413, reason: "body larger than 1 MB" };

  let activity: unknown;
  try {
    activity = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    return { status: 400, reason: "body is not JSON" };
  }
  if (!isObject(activity)) return { status: 400, reason: "body is not a JSON object" };
  const actorUri = actorOf(activity);
  if (!actorUri) return { status: 400, reason: "activity has no actor" };

  const policy = mastodonPolicy();
  const msg = messageFromRequest(c.req.raw, body);
  const parsed = parseSignature(msg, policy);
  if (!parsed.ok) return { status: 401, reason: parsed.reason };
  const digest = await checkBodyDigest(msg, parsed.value, policy);
  if (!digest.ok) return { status: 401, reason: digest.reason };

  const ctx = remoteContext(c.get("db"), config, deps.fetcher);
  const keyId = parsed.value.keyId;
  let found = await getActorKey(ctx, keyId);
  if (found.status === "gone") {
    // The actor deleted itself and its key went with it: only its own Delete can be taken on trust,
    // and only from its own server (Hollo does the same, INTEROP §1.9).
    if (isSelfDelete(activity, actorUri) && originOf(keyId) === originOf(actorUri)) {
      return { activity, actorUri, body, actorGone: true };
    }
    return { status: 401, reason: "signing actor is gone" };
  }
  if (found.status === "error") return { status: 401, reason: found.reason };
  let verified = await verifyParsedSignature(parsed.value, found.key.publicKeyPem, policy);
  if (!verified.ok && found.fromCache) {
    // The peer may have rotated its key since we cached it: refetch once (Mastodon does too).
    found = await getActorKey(ctx, keyId, { refresh: true });
    if (found.status !== "ok") return { status: 401, reason: verified.reason };
    verified = await verifyParsedSignature(parsed.value, found.key.publicKeyPem, policy);
  }
  if (!verified.ok) return { status: 401, reason: verified.reason };
  if (found.key.owner !== actorUri) return { status: 401, reason: `key ${keyId} does not belong to ${actorUri}` };
  return { activity, actorUri, body, actorGone: false };
}

async function accept(c: Context<FederationEnv>, accepted: Accepted): Promise<Outcome> {
  const { activity, actorUri, body } = accepted;
  const parsed = parseActivity(activity);
  if (!parsed.ok) {
    // Types we do not act on (Lemmy's Lock, Dislike...) are acknowledged like Mastodon does, not retried.
    if (parsed.reason.startsWith("unsupported activity type")) return { status: 202, reason: `ignored: ${parsed.reason}` };
    return { status: 400, reason: parsed.reason };
  }
  // An id on another server would let one peer pre-empt another's activity in the dedupe table.
  if (parsed.value.id && originOf(parsed.value.id) !== originOf(actorUri)) {
    return { status: 400, reason: "activity id is not on the actor's server" };
  }
  const receivedAt = Date.now();
  const message: InboxMessage = { type: "inbox.activity", v: 1, activity, actorUri, receivedAt };
  if (accepted.actorGone) message.actorGone = true;
  if (new TextEncoder().encode(JSON.stringify(message)).length > MAX_QUEUED_ACTIVITY_BYTES) {
    return { status: 413, reason: "activity too large to queue" };
  }

  // GoToSocial sends Deletes without ids: those dedupe on the exact body.
  const dedupeKey = parsed.value.id ?? `urn:sha-256:${toHex(await hashBytes("sha-256", body))}`;
  const db = c.get("db");
  const inserted = await db
    .insert(inboxActivities)
    .values({ activityId: dedupeKey, actorUri, receivedAt })
    .onConflictDoNothing()
    .returning({ id: inboxActivities.activityId });
  if (inserted.length === 0) return { status: 202, reason: "already received" };
  try {
    await enqueueInbox(c.env.INBOX, message);
  } catch (err) {
    // Forget the id again, so the peer's retry is not mistaken for a replay.
    await db.delete(inboxActivities).where(eq(inboxActivities.activityId, dedupeKey));
    console.error("inbox: enqueue failed", err);
    return { status: 503, reason: "try again later" };
  }
  // The sender's server is up: deliveries to it resume if they had stopped (never throws).
  await domainAnswered(db, actorUri);
  return { status: 202, reason: "accepted" };
}

/** The handler behind `POST /inbox`, `POST /users/:username/inbox` and `POST /actor/inbox`. */
export async function handleInbox(c: Context<FederationEnv>, deps: FederationDeps): Promise<Response> {
  const verified = await verifyRequest(c, deps);
  const outcome = "status" in verified ? verified : await accept(c, verified);
  if (outcome.status !== 202) {
    console.warn(`inbox: ${outcome.status} ${outcome.reason} (${c.req.header("signature")?.slice(0, 120) ?? "unsigned"})`);
  }
  return c.text(outcome.status === 202 ? "" : outcome.reason.slice(0, 200), outcome.status);
}
