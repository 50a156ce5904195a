/**
 * An ActivityPub peer that is not Petrel: a tiny server built with Fedify (an independent
 * implementation from npm) on a loopback port. It serves one Person (`dave`) with an RSA key,
 * WebFinger, a personal and a shared inbox; it accepts every Follow, records what reaches its inbox,
 * and can follow and post on demand. Fedify 1.5 signs with draft-cavage only.
 *
 * With `requireRfc9421` on, POSTs to its inboxes are first judged by a small RFC 9421 verifier written
 * here from the RFC over node:crypto (independent of Petrel's): draft-cavage is refused with 401, a
 * valid RFC 9421 signature is recorded in `receivedRfc9421` and answered 202.
 */
import { createHash, verify } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  Accept,
  type Activity,
  Create,
  createFederation,
  Endpoints,
  Follow,
  generateCryptoKeyPair,
  MemoryKvStore,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Undo,
} from "@fedify/fedify";

export interface FedifyPeer {
  origin: string;
  /** `127.0.0.1:<port>` */
  host: string;
  username: string;
  actorId: string;
  keyId: string;
  privateKey: CryptoKey;
  /** Every activity that passed Fedify's signature check, as JSON-LD compacted by Fedify. */
  received: Array<Record<string, unknown>>;
  /** Refuse draft-cavage on inbox POSTs and verify RFC 9421 independently (Fedify 1.5 has no RFC 9421). */
  requireRfc9421: boolean;
  /** Activities that arrived with a valid RFC 9421 signature while `requireRfc9421` was on. */
  receivedRfc9421: Array<Record<string, unknown>>;
  /** Follows dave to the actor at `target`; resolves when sent. Returns the Follow's id. */
  follow(target: string): Promise<string>;
  /** A public Note by dave, delivered to `recipient` (an actor id). Returns the Note's id. */
  post(recipient: string, content: string): Promise<string>;
  stop(): Promise<void>;
}

/** RFC 9421 §2 component values for the components a peer signs (derived components and headers). */
function componentValue(name: string, request: Request): string | null {
  const url = new URL(request.url);
  switch (name) {
    case "@method":
      return request.method.toUpperCase();
    case "@target-uri":
      return url.href;
    case "@authority":
      return url.host;
    case "@path":
      return url.pathname;
    case "@query":
      return url.search || "?";
    case "@request-target":
      return `${url.pathname}${url.search}`;
    default:
      return name.startsWith("@") ? null : request.headers.get(name);
  }
}

/** Verifies one `sig1`-style RFC 9421 signature over `body`; the key is fetched from its keyid. */
export async function verifyRfc9421(request: Request, body: Buffer): Promise<string | null> {
  const input = /^([a-z0-9_-]+)=(\([^)]*\))((?:;[^;]+)*)$/i.exec(request.headers.get("signature-input") ?? "");
  if (!input) return "no Signature-Input";
  const [, label, list = "", paramsRaw = ""] = input;
  const signature = new RegExp(`(?:^|,\\s*)${label}=:([A-Za-z0-9+/=]+):`).exec(request.headers.get("signature") ?? "")?.[1];
  if (!signature) return "no Signature for the label";
  const components = [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? "");
  const keyId = /;keyid="([^"]+)"/.exec(paramsRaw)?.[1];
  const created = Number(/;created=(\d+)/.exec(paramsRaw)?.[1]);
  if (!keyId || !Number.isFinite(created)) return "keyid or created missing";
  if (Math.abs(Date.now() / 1000 - created) > 3600) return "created outside the window";
  if (!components.includes("@method") || !components.includes("@target-uri") || !components.includes("content-digest")) {
    return "method, target and digest must be covered";
  }
  const digest = request.headers.get("content-digest") ?? "";
  if (digest !== `sha-256=:${createHash("sha256").update(body).digest("base64")}:`) return "Content-Digest mismatch";
  const lines: string[] = [];
  for (const name of components) {
    const value = componentValue(name, request);
    if (value === null) return `component ${name} missing`;
    lines.push(`"${name}": ${value}`);
  }
  lines.push(`"@signature-params": ${list}${paramsRaw}`);
  const keyRes = await fetch(keyId, { headers: { accept: "application/activity+json" } });
  const doc = (await keyRes.json()) as { publicKey?: { id?: string; publicKeyPem?: string } };
  if (doc.publicKey?.id !== keyId || !doc.publicKey.publicKeyPem) return `key ${keyId} not published`;
  const ok = verify("sha256", Buffer.from(lines.join("\n")), doc.publicKey.publicKeyPem, Buffer.from(signature, "base64"));
  return ok ? null : "signature does not verify";
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  const body = chunks.length > 0 ? Buffer.concat(chunks) : null;
  return new Request(new URL(req.url ?? "/", origin), { method: req.method ?? "GET", headers, body });
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  res.end(Buffer.from(await response.arrayBuffer()));
}

export async function startFedifyPeer(username = "dave"): Promise<FedifyPeer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const keys = await generateCryptoKeyPair("RSASSA-PKCS1-v1_5");
  const received: Array<Record<string, unknown>> = [];
  const actorId = `${origin}/users/${username}`;
  let counter = 0;

  const federation = createFederation<void>({ kv: new MemoryKvStore(), origin, allowPrivateAddress: true });
  federation
    .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
      if (identifier !== username) return null;
      const pairs = await ctx.getActorKeyPairs(identifier);
      return new Person({
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        name: "Dave of Fedify",
        summary: "An independent peer.",
        inbox: ctx.getInboxUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        publicKey: pairs[0]?.cryptographicKey ?? null,
        assertionMethods: pairs.map((p) => p.multikey),
      });
    })
    .setKeyPairsDispatcher(async (_ctx, identifier) => (identifier === username ? [keys] : []));

  const record = async (_ctx: unknown, activity: Activity) => {
    received.push((await activity.toJsonLd({ format: "compact" })) as Record<string, unknown>);
  };
  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .on(Follow, async (ctx, follow) => {
      await record(ctx, follow);
      const follower = await follow.getActor();
      if (!follower || !follow.id) return;
      await ctx.sendActivity(
        { identifier: username },
        follower,
        // The Accept's id is on this server: Petrel refuses activity ids from another origin.
        new Accept({ id: new URL(`${actorId}/accepts/${++counter}`), actor: ctx.getActorUri(username), object: follow }),
      );
    })
    .on(Accept, record)
    .on(Create, record)
    .on(Undo, record)
    .onError((_ctx, error) => {
      console.error("fedify peer inbox error", error);
    });

  const gate = async (request: Request): Promise<Response> => {
    if (!peer.requireRfc9421 || request.method !== "POST" || !request.url.endsWith("/inbox")) {
      return federation.fetch(request, { contextData: undefined });
    }
    if (!request.headers.has("signature-input")) return new Response("RFC 9421 signatures only", { status: 401 });
    const body = Buffer.from(await request.arrayBuffer());
    const refused = await verifyRfc9421(request, body);
    if (refused) return new Response(refused, { status: 401 });
    peer.receivedRfc9421.push(JSON.parse(body.toString("utf8")) as Record<string, unknown>);
    return new Response(null, { status: 202 });
  };

  server.on("request", (req, res) => {
    toRequest(req, origin)
      .then(gate)
      .then((response) => writeResponse(res, response))
      .catch((err: unknown) => {
        console.error("fedify peer", err);
        res.statusCode = 500;
        res.end();
      });
  });

  const ctx = () => federation.createContext(new URL(origin), undefined);

  const peer: FedifyPeer = {
    origin,
    host: `127.0.0.1:${port}`,
    username,
    actorId,
    keyId: `${actorId}#main-key`,
    privateKey: keys.privateKey,
    received,
    requireRfc9421: false,
    receivedRfc9421: [],
    async follow(target) {
      const c = ctx();
      const actor = await c.lookupObject(target);
      if (!actor || !("inboxId" in actor)) throw new Error(`fedify peer: ${target} is not an actor`);
      const id = `${actorId}/follows/${++counter}`;
      await c.sendActivity(
        { identifier: username },
        actor as Person,
        new Follow({ id: new URL(id), actor: c.getActorUri(username), object: new URL(target) }),
      );
      return id;
    },
    async post(recipient, content) {
      const c = ctx();
      const actor = await c.lookupObject(recipient);
      if (!actor || !("inboxId" in actor)) throw new Error(`fedify peer: ${recipient} is not an actor`);
      const noteId = `${actorId}/notes/${++counter}`;
      const note = new Note({
        id: new URL(noteId),
        attribution: c.getActorUri(username),
        content: `<p>${content}</p>`,
        to: PUBLIC_COLLECTION,
      });
      await c.sendActivity(
        { identifier: username },
        actor as Person,
        new Create({
          id: new URL(`${noteId}/activity`),
          actor: c.getActorUri(username),
          object: note,
          to: PUBLIC_COLLECTION,
        }),
      );
      return noteId;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return peer;
}
