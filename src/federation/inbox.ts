/**
 * Receiving an activity (DESIGN §2): size cap → exact body bytes → JSON → HTTP signature and body
 * digest, verified here in the request handler because some peers' signatures expire within
 * minutes (INTEROP §1.1, Threads) → the key's owner must be the activity's actor → dedupe by
 * activity id → enqueue INBOX → 202. Every refusal is a bare status with a short plain reason,
 * logged, and leaves nothing stored or enqueued.
 *
 * Cheap checks run before any key fetch, so a malformed, stale or tampered request costs no
 * network round trip. An accepted activity costs two D1 round trips: the key row (one indexed read
 * of the key columns) and one batch with the dedupe insert and the sender's failure-day check.
 *
 * The steps are exported separately so the benchmark times the very functions the route runs
 * (bench/federation/inbox-throughput.bench.test.ts): CPU with an in-memory key source, D1 apart.
 */
import type { Context } from "hono";
import { toHex } from "../crypto/encoding";
import type { Db } from "../db/client";
import { enqueueInbox, type InboxMessage } from "../queue/messages";
import type { FederationDeps, FederationEnv } from "./authorized-fetch";
import { clearAnsweredFailures, type PendingFailures, pendingFailuresQuery, serverOf } from "./delivery/domains";
import { MAX_BODY_BYTES, type RemoteContext, readCapped, remoteContext } from "./fetch";
import { getActorKey, type KeyResult } from "./remote-actors";
import { hashBytes } from "./signatures/digest";
import { mastodonPolicy, type VerifyPolicy } from "./signatures/policy";
import { checkBodyDigest, messageFromRequest, parseSignature, verifyParsedSignature } from "./signatures/verify";
import { parseActivity } from "./vocab/activity";
import { idOf, isObject, type JsonObject } from "./vocab/json";

/** Queue messages are capped at 128 KB; leave room for the envelope. */
const MAX_QUEUED_ACTIVITY_BYTES = 120_000;

export type InboxOutcome = { status: 202 | 400 | 401 | 404 | 413 | 503; reason: string };

/** Where the verifier finds the key a signature names: D1 and the network in the route. */
export interface KeySource {
  get(keyId: string, options?: { refresh?: boolean }): Promise<KeyResult>;
}

export function actorKeySource(ctx: RemoteContext): KeySource {
  return { get: (keyId, options) => getActorKey(ctx, keyId, options) };
}

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

export interface VerifiedActivity {
  activity: JsonObject;
  actorUri: string;
  body: Uint8Array;
  /** Computed by the digest check; id-less activities dedupe on it. */
  bodySha256: Uint8Array | null;
  actorGone: boolean;
}

/**
 * The exact body bytes, within the 1 MB cap. A body with a declared length is read in one native
 * call (a third of the CPU of reading the stream chunk by chunk, measured in
 * bench/federation/inbound-verify.bench.test.ts): HTTP framing ends the body at Content-Length, so
 * the declaration bounds it, and the length is checked again after reading. A body without one
 * (chunked) is streamed and cut off at the cap.
 */
export async function readInboxBody(request: Request): Promise<Uint8Array | InboxOutcome> {
  const tooLarge: InboxOutcome = { status: 413, reason: "body larger than 1 MB" };
  const header = request.headers.get("content-length");
  const declared = header === null ? Number.NaN : Number(header);
  if (declared > MAX_BODY_BYTES) return tooLarge;
  if (header !== null && Number.isSafeInteger(declared) && declared >= 0) {
    const body = new Uint8Array(await request.arrayBuffer());
    return body.length > MAX_BODY_BYTES ? tooLarge : body;
  }
  const body = await readCapped(request.body, MAX_BODY_BYTES);
  return body ?? tooLarge;
}

/** Parses the body, checks signature and digest, and that the key speaks for the activity's actor. */
export async function verifyInboundActivity(
  request: Request,
  body: Uint8Array,
  keys: KeySource,
  policy: VerifyPolicy = mastodonPolicy(),
): Promise<InboxOutcome | VerifiedActivity> {
  let activity: unknown;
  try {
    activity = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    return { status: 400, reason: "body is not JSON" };
  }
  if (!isObject(activity)) return { status: 400, reason: "body is not a JSON object" };
  const actorUri = actorOf(activity);
  if (!actorUri) return { status: 400, reason: "activity has no actor" };

  const msg = messageFromRequest(request, body);
  const parsed = parseSignature(msg, policy);
  if (!parsed.ok) return { status: 401, reason: parsed.reason };
  const digest = await checkBodyDigest(msg, parsed.value, policy);
  if (!digest.ok) return { status: 401, reason: digest.reason };
  const bodySha256 = digest.value;

  const keyId = parsed.value.keyId;
  let found = await keys.get(keyId);
  if (found.status === "gone") {
    // The actor deleted itself and its key went with it: only its own Delete can be taken on trust,
    // and only from its own server (Hollo does the same, INTEROP §1.9).
    if (isSelfDelete(activity, actorUri) && originOf(keyId) === originOf(actorUri)) {
      return { activity, actorUri, body, bodySha256, actorGone: true };
    }
    return { status: 401, reason: "signing actor is gone" };
  }
  if (found.status === "error") return { status: 401, reason: found.reason };
  let verified = await verifyParsedSignature(parsed.value, found.key.publicKeyPem, policy);
  if (!verified.ok && found.fromCache) {
    // The peer may have rotated its key since we cached it: refetch once (Mastodon does too).
    found = await keys.get(keyId, { refresh: true });
    if (found.status !== "ok") return { status: 401, reason: verified.reason };
    verified = await verifyParsedSignature(parsed.value, found.key.publicKeyPem, policy);
  }
  if (!verified.ok) return { status: 401, reason: verified.reason };
  if (found.key.owner !== actorUri) return { status: 401, reason: `key ${keyId} does not belong to ${actorUri}` };
  return { activity, actorUri, body, bodySha256, actorGone: false };
}

export interface PreparedActivity {
  message: InboxMessage;
  dedupeKey: string;
}

/** The vocabulary check and the queue message, before anything is stored. */
export async function prepareInboxMessage(
  verified: VerifiedActivity,
  receivedAt: number = Date.now(),
): Promise<InboxOutcome | PreparedActivity> {
  const { activity, actorUri, body } = verified;
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
  const message: InboxMessage = { type: "inbox.activity", v: 1, activity, actorUri, receivedAt };
  if (verified.actorGone) message.actorGone = true;
  if (!fitsInQueue(body, message)) return { status: 413, reason: "activity too large to queue" };
  // GoToSocial sends Deletes without ids: those dedupe on the exact body.
  const sha256 = verified.bodySha256 ?? (await hashBytes("sha-256", body));
  return { message, dedupeKey: parsed.value.id ?? `urn:sha-256:${toHex(sha256)}` };
}

/** Room the envelope and the actor URI may take beside the activity in the serialized message. */
const ENVELOPE_BYTES = 256;

/**
 * Whether the message serializes under the queue's cap. Re-serializing parsed JSON never lengthens
 * strings (escapes only shrink) but can lengthen a number up to ~5× (`1e20` → 21 digits), so a body
 * under a sixth of the cap fits without serializing it again; only larger ones are measured exactly.
 */
function fitsInQueue(body: Uint8Array, message: InboxMessage): boolean {
  if (body.length * 6 + message.actorUri.length + ENVELOPE_BYTES <= MAX_QUEUED_ACTIVITY_BYTES) return true;
  return new TextEncoder().encode(JSON.stringify(message)).length <= MAX_QUEUED_ACTIVITY_BYTES;
}

/**
 * Dedupe (one `INSERT … ON CONFLICT DO NOTHING`, whose change count says whether the id is new) and
 * the sender's failure-day check go to D1 in one batch; then the message is enqueued.
 */
export async function recordAndEnqueue(db: Db, queue: Queue, prepared: PreparedActivity): Promise<InboxOutcome> {
  const { message, dedupeKey } = prepared;
  const d1 = db.$client;
  const insert = d1
    .prepare("INSERT INTO inbox_activities (activity_id, actor_uri, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
    .bind(dedupeKey, message.actorUri, message.receivedAt);
  const server = serverOf(message.actorUri);
  const [written, pending] = server
    ? await d1.batch<PendingFailures>([insert, pendingFailuresQuery(db, server)])
    : [await insert.run<PendingFailures>()];
  if (!written?.meta.changes) return { status: 202, reason: "already received" };
  try {
    await enqueueInbox(queue, message);
  } catch (err) {
    // Forget the id again, so the peer's retry is not mistaken for a replay.
    await d1.prepare("DELETE FROM inbox_activities WHERE activity_id = ?").bind(dedupeKey).run();
    console.error("inbox: enqueue failed", err);
    return { status: 503, reason: "try again later" };
  }
  // The sender's server is up: deliveries to it resume if they had stopped (never throws).
  if (server) await clearAnsweredFailures(db, server, pending?.results[0], message.receivedAt);
  return { status: 202, reason: "accepted" };
}

async function inboxOutcome(c: Context<FederationEnv>, deps: FederationDeps): Promise<InboxOutcome> {
  const body = await readInboxBody(c.req.raw);
  if ("status" in body) return body;
  const db = c.get("db");
  const keys = actorKeySource(remoteContext(db, c.get("config"), deps.fetcher));
  const verified = await verifyInboundActivity(c.req.raw, body, keys);
  if ("status" in verified) return verified;
  const prepared = await prepareInboxMessage(verified);
  if ("status" in prepared) return prepared;
  return recordAndEnqueue(db, c.env.INBOX, prepared);
}

/** The handler behind `POST /inbox`, `POST /users/:username/inbox` and `POST /actor/inbox`. */
export async function handleInbox(c: Context<FederationEnv>, deps: FederationDeps): Promise<Response> {
  const outcome = await inboxOutcome(c, deps);
  if (outcome.status !== 202) {
    console.warn(`inbox: ${outcome.status} ${outcome.reason} (${c.req.header("signature")?.slice(0, 120) ?? "unsigned"})`);
  }
  return c.text(outcome.status === 202 ? "" : outcome.reason.slice(0, 200), outcome.status);
}
