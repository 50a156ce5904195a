/**
 * Stand-ins for remote peers: actors with real key pairs made in the test, served by a fake network
 * that the federation routes take as their `fetcher`, and a spy INBOX queue.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { Hono } from "hono";
import { loadConfig } from "../../src/config";
import { createDb } from "../../src/db/client";
import type { Account } from "../../src/db/schema";
import type { AppEnv } from "../../src/env";
import { type Fetcher, remoteContext } from "../../src/federation/fetch";
import { upsertRemoteActor } from "../../src/federation/remote-actors";
import { createFederationRoutes } from "../../src/federation/routes";
import { signCavage } from "../../src/federation/signatures/cavage";
import { derToPem } from "../../src/federation/signatures/crypto-keys";
import { signRfc9421 } from "../../src/federation/signatures/rfc9421";
import { parseActor } from "../../src/federation/vocab/actor";
import { uniqueName } from "../helpers/fixtures";

export const LOCAL = "http://petrel.test";

type Handler = (request: Request) => Response | Promise<Response>;

/** A network of fake peers: URL (without fragment) → handler. Unknown URLs answer 404. */
export class FakeNetwork {
  readonly requests: Request[] = [];
  private readonly handlers = new Map<string, Handler>();

  readonly fetcher: Fetcher = async (input, init) => {
    const request = new Request(input, init);
    this.requests.push(request);
    const url = new URL(request.url);
    url.hash = "";
    const handler = this.handlers.get(url.href);
    return handler ? handler(request) : new Response("not found", { status: 404 });
  };

  on(url: string, handler: Handler): void {
    this.handlers.set(new URL(url).href.replace(/#.*$/, ""), handler);
  }

  json(url: string, doc: unknown, init: { status?: number; contentType?: string } = {}): void {
    this.on(
      url,
      () =>
        new Response(JSON.stringify(doc), {
          status: init.status ?? 200,
          headers: { "content-type": init.contentType ?? "application/activity+json" },
        }),
    );
  }

  requestsTo(url: string): Request[] {
    return this.requests.filter((r) => r.url.replace(/#.*$/, "") === url.replace(/#.*$/, ""));
  }
}

export interface RemoteActor {
  id: string;
  keyId: string;
  publicKeyPem: string;
  privateKey: CryptoKey;
  document: Record<string, unknown>;
}

export async function rsaKeyPair(): Promise<{ publicKeyPem: string; privateKey: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  return { publicKeyPem: derToPem(spki, "PUBLIC KEY"), privateKey: pair.privateKey };
}

/** A Mastodon-shaped remote actor at `https://<host>/users/<name>` with a fresh RSA key. */
export async function remoteActor(host = `${uniqueName("peer")}.example`, name = "alice"): Promise<RemoteActor> {
  const id = `https://${host}/users/${name}`;
  const keyId = `${id}#main-key`;
  const { publicKeyPem, privateKey } = await rsaKeyPair();
  const document = {
    "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
    id,
    type: "Person",
    preferredUsername: name,
    name: "Alice <b>Remote</b>",
    summary: '<p>Hi <script>alert(1)</script><a href="javascript:x()">there</a></p>',
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    followers: `${id}/followers`,
    following: `${id}/following`,
    endpoints: { sharedInbox: `https://${host}/inbox` },
    publicKey: { id: keyId, owner: id, publicKeyPem },
  };
  return { id, keyId, publicKeyPem, privateKey, document };
}

export function serveActor(net: FakeNetwork, actor: RemoteActor): void {
  net.json(actor.id, actor.document);
}

export interface SignOptions {
  scheme?: "cavage" | "rfc9421";
  /** Signing time (default now). */
  at?: number;
  keyId?: string;
  privateKey?: CryptoKey;
}

/** A POST to our inbox signed as `actor` would sign it (Mastodon's header set). */
export async function signedPost(path: string, body: string, actor: RemoteActor, options: SignOptions = {}): Promise<Request> {
  const url = `${LOCAL}${path}`;
  const headers = new Headers({ "content-type": "application/activity+json", host: "petrel.test" });
  const request = { method: "POST", url, headers, body: new TextEncoder().encode(body) };
  const signer = {
    keyId: options.keyId ?? actor.keyId,
    privateKey: options.privateKey ?? actor.privateKey,
    algorithm: "rsa-v1_5-sha256" as const,
  };
  if (options.scheme === "rfc9421") await signRfc9421(request, signer, options.at);
  else await signCavage(request, signer, options.at);
  return new Request(url, { method: "POST", headers, body });
}

/** A GET signed as `actor`. */
export async function signedGet(
  path: string,
  actor: RemoteActor,
  options: SignOptions & { accept?: string } = {},
): Promise<Request> {
  const url = `${LOCAL}${path}`;
  const headers = new Headers({ accept: options.accept ?? "application/activity+json", host: "petrel.test" });
  const signer = {
    keyId: options.keyId ?? actor.keyId,
    privateKey: options.privateKey ?? actor.privateKey,
    algorithm: "rsa-v1_5-sha256" as const,
  };
  const request = { method: "GET", url, headers, body: null };
  if (options.scheme === "rfc9421") await signRfc9421(request, signer, options.at);
  else await signCavage(request, signer, options.at);
  return new Request(url, { method: "GET", headers });
}

/** A queue binding that records what was sent. */
export class SpyQueue {
  readonly sent: unknown[] = [];
  fail = false;

  async send(body: unknown): Promise<void> {
    if (this.fail) throw new Error("queue unavailable");
    this.sent.push(body);
  }

  async sendBatch(messages: Iterable<{ body: unknown }>): Promise<void> {
    for (const m of messages) await this.send(m.body);
  }

  asQueue(): Queue {
    return this as unknown as Queue;
  }
}

/** The federation routes behind the app's own per-request setup, with a fake network. */
export function federationApp(fetcher: Fetcher): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", async (c, next) => {
    c.set("config", loadConfig(c.env));
    c.set("db", createDb(c.env.DB));
    c.set("auth", undefined);
    await next();
  });
  app.route("/", createFederationRoutes({ fetcher }));
  return app;
}

export function run(
  app: { fetch: (req: Request, env: Cloudflare.Env, ctx: ExecutionContext) => Response | Promise<Response> },
  request: Request,
  overrides: Partial<Cloudflare.Env> = {},
) {
  return app.fetch(request, { ...env, ...overrides }, createExecutionContext());
}

/** Stores `actor` as a known remote account (as a previous fetch would have), so no network is needed. */
export async function seedRemoteActor(actor: RemoteActor): Promise<Account> {
  const parsed = parseActor(actor.document);
  if (!parsed.ok) throw new Error(parsed.reason);
  return upsertRemoteActor(remoteContext(createDb(env.DB), loadConfig(env)), parsed.value);
}
