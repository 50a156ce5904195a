/**
 * Authorized fetch (Mastodon's AUTHORIZED_FETCH / secure mode, INTEROP §1.3): when
 * `config.authorizedFetch` is on, GETs of federation documents must carry a valid HTTP signature.
 * The middleware verifies it with the same verifier and key lookup as the inbox and records who
 * signed. Unsigned requests either pass as anonymous (the actor route then serves only the key,
 * so peers that fetch keys unsigned can still verify our deliveries) or are refused, per route.
 * The instance actor is never behind it: fetching it must not need a signature.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { type Fetcher, remoteContext } from "./fetch";
import { getActorKey } from "./remote-actors";
import { mastodonPolicy } from "./signatures/policy";
import { messageFromRequest, parseSignature, verifyParsedSignature } from "./signatures/verify";

export interface FederationVariables {
  /** Under authorized fetch: the actor whose signature the request carried; null when unsigned or not required. */
  signedBy: string | null;
}

export type FederationEnv = { Bindings: AppEnv["Bindings"]; Variables: AppEnv["Variables"] & FederationVariables };

export interface FederationDeps {
  /** The network for key and actor fetches; tests pass a fake. */
  fetcher?: Fetcher;
}

export type SignedFetchResult = { ok: true; actor: string | null } | { ok: false; reason: string };

/** Verifies a signed GET's signature: the signer's actor, null when unsigned, or why it is refused. */
export async function verifySignedFetch(
  request: Request,
  ctx: ReturnType<typeof remoteContext>,
  now: number = Date.now(),
): Promise<SignedFetchResult> {
  const headers = request.headers;
  if (!headers.has("signature") && !headers.has("signature-input") && !/^signature\s/i.test(headers.get("authorization") ?? "")) {
    return { ok: true, actor: null };
  }
  const policy = mastodonPolicy(now);
  const parsed = parseSignature(messageFromRequest(request, null), policy);
  if (!parsed.ok) return parsed;
  let found = await getActorKey(ctx, parsed.value.keyId);
  if (found.status !== "ok") return { ok: false, reason: found.status === "gone" ? "signer is gone" : found.reason };
  let verified = await verifyParsedSignature(parsed.value, found.key.publicKeyPem, policy);
  if (!verified.ok && found.fromCache) {
    // The peer may have rotated its key since we cached it (Mastodon refetches once, too).
    found = await getActorKey(ctx, parsed.value.keyId, { refresh: true });
    if (found.status !== "ok") return { ok: false, reason: verified.reason };
    verified = await verifyParsedSignature(parsed.value, found.key.publicKeyPem, policy);
  }
  if (!verified.ok) return verified;
  return { ok: true, actor: found.key.owner };
}

/**
 * `unsigned: "anonymous"` lets unsigned requests through with `signedBy = null`; `"reject"` answers
 * them 401. Invalid signatures are always 401, with a short plain reason, and logged.
 */
export function authorizedFetch(
  deps: FederationDeps,
  options: { unsigned: "anonymous" | "reject" },
): MiddlewareHandler<FederationEnv> {
  return async (c, next) => {
    c.set("signedBy", null);
    const config = c.get("config");
    if (!config.authorizedFetch) return next();
    const result = await verifySignedFetch(c.req.raw, remoteContext(c.get("db"), config, deps.fetcher));
    if (!result.ok) {
      console.warn(`authorized fetch: refused ${c.req.method} ${c.req.path}: ${result.reason}`);
      return c.text(result.reason.slice(0, 200), 401);
    }
    if (result.actor === null && options.unsigned === "reject") return c.text("request must be signed", 401);
    c.set("signedBy", result.actor);
    return next();
  };
}
