/**
 * What one inbound activity costs in CPU before it is queued: JSON.parse, signature parse and
 * policy, SHA-256 digest, RSA verify, activity parse (DESIGN §4: stay near the WebCrypto floor).
 *
 * workerd's clocks only advance across I/O, so each measurement brackets a loop between two
 * timer ticks and divides; the tick itself costs well under a millisecond over thousands of runs.
 */
import { it } from "vitest";
import { signCavage } from "../../src/federation/signatures/cavage";
import { derToPem, importPublicKey } from "../../src/federation/signatures/crypto-keys";
import { mastodonPolicy } from "../../src/federation/signatures/policy";
import { checkBodyDigest, parseSignature, verifyParsedSignature } from "../../src/federation/signatures/verify";
import { parseActivity } from "../../src/federation/vocab/activity";

const N = 3000;
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

async function perOp(fn: () => unknown): Promise<number> {
  await tick();
  const start = Date.now();
  for (let i = 0; i < N; i++) await fn();
  await tick();
  return ((Date.now() - start) * 1000) / N;
}

it("inbound verification cost per activity", async () => {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const pem = derToPem(new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer), "PUBLIC KEY");
  const actor = "https://remote.example/users/alice";
  const body = JSON.stringify({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actor}/statuses/1/activity`,
    type: "Create",
    actor,
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${actor}/followers`],
    object: {
      id: `${actor}/statuses/1`,
      type: "Note",
      attributedTo: actor,
      content: `<p>${"Hello fediverse. ".repeat(30)}</p>`,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${actor}/followers`],
      published: "2026-01-01T00:00:00Z",
      tag: [{ type: "Hashtag", href: "https://remote.example/tags/petrel", name: "#petrel" }],
    },
  });
  const bytes = new TextEncoder().encode(body);
  const headers = new Headers({ host: "petrel.test", "content-type": "application/activity+json" });
  const url = "https://petrel.test/inbox";
  await signCavage(
    { method: "POST", url, headers, body: bytes },
    { keyId: `${actor}#main-key`, privateKey: pair.privateKey, algorithm: "rsa-v1_5-sha256" },
  );
  const msg = { method: "POST", url, headers, body: bytes };
  const policy = mastodonPolicy();
  const parsed = parseSignature(msg, policy);
  if (!parsed.ok) throw new Error(parsed.reason);
  const key = await importPublicKey(pem, "rsa-v1_5-sha256");
  const base = new TextEncoder().encode(parsed.value.bases[0]);
  const json: unknown = JSON.parse(body);

  for (let round = 1; round <= 3; round++) {
    const rows = {
      "RSA-2048 verify (floor)": await perOp(() => crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, parsed.value.signature, base)),
      "SHA-256 of the body": await perOp(() => crypto.subtle.digest("SHA-256", bytes)),
      "JSON.parse of the body": await perOp(() => JSON.parse(new TextDecoder().decode(bytes))),
      "parse signature + policy": await perOp(() => parseSignature(msg, policy)),
      "digest check": await perOp(() => checkBodyDigest(msg, parsed.value, policy)),
      "verify with cached key": await perOp(() => verifyParsedSignature(parsed.value, pem, policy)),
      parseActivity: await perOp(() => parseActivity(json)),
      "whole inbound path": await perOp(async () => {
        const p = mastodonPolicy();
        const doc: unknown = JSON.parse(new TextDecoder().decode(bytes));
        const sig = parseSignature(msg, p);
        if (!sig.ok) throw new Error(sig.reason);
        if (!(await checkBodyDigest(msg, sig.value, p)).ok) throw new Error("digest");
        if (!(await verifyParsedSignature(sig.value, pem, p)).ok) throw new Error("verify");
        if (!parseActivity(doc).ok) throw new Error("parse");
      }),
    };
    console.log(`round ${round} (${bytes.length}-byte Create, µs per activity)`);
    for (const [label, us] of Object.entries(rows)) console.log(`  ${label.padEnd(28)} ${us.toFixed(1)}`);
  }
});
