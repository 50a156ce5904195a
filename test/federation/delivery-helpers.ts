/**
 * Stand-ins for the DELIVERY consumer's surroundings: a message batch whose acks and retries are
 * recorded, a spy DELIVERY queue, and mock inbox servers that record each request (headers and
 * exact body bytes) and measure how many requests are in flight at once.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { accounts } from "../../src/db/schema";
import type { Bindings } from "../../src/env";
import type { Fetcher } from "../../src/federation/fetch";
import { mastodonPolicy } from "../../src/federation/signatures/policy";
import { verifySignedMessage } from "../../src/federation/signatures/verify";
import { type DeliveryDeps, handleDeliveryBatch } from "../../src/queue/delivery";
import type { DeliveryMessage } from "../../src/queue/messages";
import { db, uniqueName } from "../helpers/fixtures";

export interface RecordedRequest {
  url: string;
  headers: Headers;
  body: Uint8Array;
}

/** What an inbox answers: a Response, or "hang" (never answers; only the timeout ends it). */
export type Answer = Response | "hang";
type Handler = (request: RecordedRequest) => Answer | Promise<Answer>;

export class MockInboxes {
  readonly requests: RecordedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  aborted = 0;
  private readonly handlers = new Map<string, Handler>();

  constructor(
    private readonly latencyMs = 0,
    private readonly fallback: Handler = () => new Response(null, { status: 202 }),
  ) {}

  on(url: string, handler: Handler): void {
    this.handlers.set(url, handler);
  }

  readonly fetch: Fetcher = async (input, init) => {
    const request = new Request(input, init);
    const recorded: RecordedRequest = {
      url: request.url,
      headers: request.headers,
      body: new Uint8Array(await request.arrayBuffer()),
    };
    this.requests.push(recorded);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      const answer = await (this.handlers.get(recorded.url) ?? this.fallback)(recorded);
      if (answer !== "hang") return answer;
      return await new Promise<Response>((_, reject) => {
        const signal = init?.signal;
        signal?.addEventListener("abort", () => {
          this.aborted++;
          reject(signal.reason);
        });
      });
    } finally {
      this.inFlight--;
    }
  };

  requestsTo(url: string): RecordedRequest[] {
    return this.requests.filter((r) => r.url === url);
  }
}

export class SpyQueue {
  readonly sent: Array<{ body: DeliveryMessage; delaySeconds: number | undefined }> = [];
  failing = false;

  async send(body: DeliveryMessage, options?: QueueSendOptions): Promise<void> {
    await this.sendBatch([{ body, delaySeconds: options?.delaySeconds }]);
  }

  async sendBatch(messages: Iterable<MessageSendRequest<DeliveryMessage>>): Promise<void> {
    if (this.failing) throw new Error("queue unavailable (simulated)");
    for (const m of messages) this.sent.push({ body: m.body, delaySeconds: m.delaySeconds });
  }
}

export interface FakeBatch {
  batch: MessageBatch<unknown>;
  acked: Set<string>;
  retried: Map<string, QueueRetryOptions | undefined>;
}

export function fakeBatch(bodies: unknown[], attempts = 1): FakeBatch {
  const acked = new Set<string>();
  const retried = new Map<string, QueueRetryOptions | undefined>();
  const messages = bodies.map((body, i) => {
    const id = `m${i}-${uniqueName("id")}`;
    return {
      id,
      timestamp: new Date(),
      body,
      attempts,
      ack: () => acked.add(id),
      retry: (options?: QueueRetryOptions) => retried.set(id, options),
    } as Message<unknown>;
  });
  const batch = {
    queue: "petrel-delivery",
    messages,
    ackAll: () => undefined,
    retryAll: () => undefined,
  } as unknown as MessageBatch<unknown>;
  return { batch, acked, retried };
}

export function runBatch(batch: MessageBatch<unknown>, queue: SpyQueue, deps: Partial<DeliveryDeps>) {
  const bindings = { ...env, DELIVERY: queue as unknown as Queue } as Bindings;
  return handleDeliveryBatch(batch, bindings, { random: () => 0, ...deps });
}

export function message(
  actorId: number | null,
  inboxes: string[],
  attempt = 0,
  activity?: Record<string, unknown>,
): DeliveryMessage {
  const id = `http://petrel.test/activities/${uniqueName("a")}`;
  return {
    type: "delivery",
    v: 1,
    actorId,
    activity: activity ?? {
      "@context": "https://www.w3.org/ns/activitystreams",
      id,
      type: "Create",
      actor: "http://petrel.test/users/x",
      object: { id: `${id}/note`, type: "Note", content: "<p>hello</p>" },
    },
    inboxes,
    attempt,
  };
}

/** A fresh remote server name, so tests never share failure days or learned styles. */
export function server(): string {
  return `https://${uniqueName("s").toLowerCase()}.example`;
}

export async function publicKeyOf(accountId: number): Promise<string> {
  const rows = await db().select({ pem: accounts.publicKeyPem }).from(accounts).where(eq(accounts.id, accountId));
  const pem = rows[0]?.pem;
  if (!pem) throw new Error("account has no key");
  return pem;
}

/** Verifies a recorded request the way a Mastodon inbox would, with `pem` as the sender's key. */
export async function verifyRecorded(request: RecordedRequest, pem: string, now = Date.now()) {
  return verifySignedMessage(
    { method: "POST", url: request.url, headers: request.headers, body: request.body },
    async () => pem,
    mastodonPolicy(now),
  );
}
