import { expect, it } from "vitest";
import { importPublicKey } from "../../src/federation/signatures/crypto-keys";
import {
  FakeNetwork,
  federationApp,
  remoteActor,
  run,
  SpyQueue,
  seedRemoteActor,
  signedPost,
} from "../../test/federation/helpers";

const N = 400;
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

function createActivity(actorId: string, n: number): string {
  return JSON.stringify({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actorId}/statuses/${n}/activity`,
    type: "Create",
    actor: actorId,
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${actorId}/followers`],
    object: {
      id: `${actorId}/statuses/${n}`,
      type: "Note",
      attributedTo: actorId,
      content: `<p>${"Hello fediverse. ".repeat(30)} ${n}</p>`,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${actorId}/followers`],
      published: "2026-01-01T00:00:00Z",
    },
  });
}

it("inbox: CPU per accepted activity and activities per second, beside the WebCrypto floor", async () => {
  const actor = await remoteActor();
  await seedRemoteActor(actor);
  const app = federationApp(new FakeNetwork().fetcher);
  const queue = new SpyQueue();
  const bodies = Array.from({ length: N }, (_, i) => createActivity(actor.id, i));
  const requests = await Promise.all(bodies.map((b) => signedPost("/inbox", b, actor)));

  // Floor: what any verifier must do per activity.
  const key = await importPublicKey(actor.publicKeyPem, "rsa-v1_5-sha256");
  const signature = new Uint8Array(256);
  const bytes = bodies.map((b) => new TextEncoder().encode(b));
  await tick();
  let started = Date.now();
  for (const body of bytes) {
    await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, body);
    await crypto.subtle.digest("SHA-256", body);
    JSON.parse(new TextDecoder().decode(body));
  }
  await tick();
  const floorMs = (Date.now() - started) / N;

  await tick();
  started = Date.now();
  let accepted = 0;
  for (const request of requests) {
    const res = await run(app, request, { INBOX: queue.asQueue() });
    if (res.status === 202) accepted++;
  }
  const elapsed = Date.now() - started;
  const perActivityMs = elapsed / N;
  expect(accepted).toBe(N);
  expect(queue.sent).toHaveLength(N);

  console.log(`inbox, ${N} signed Creates of ${bytes[0]?.length ?? 0} bytes (actor key known):`);
  console.log(
    `  per accepted activity      ${perActivityMs.toFixed(3)} ms  (${(perActivityMs / floorMs).toFixed(2)}× the floor; goal ≤ 4×)`,
  );
  console.log(`  activities per second      ${((N * 1000) / elapsed).toFixed(0)}  (floor: ${(1000 / floorMs).toFixed(0)})`);
  console.log(`  floor (RSA-2048 verify + SHA-256 + JSON.parse)  ${floorMs.toFixed(3)} ms`);
});
