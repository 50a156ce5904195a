/**
 * Where the CPU of one inbound activity goes, step by step, for draft-cavage and RFC 9421 (the
 * headline figures are in inbox-throughput.bench.test.ts). Each step runs over the same pre-signed
 * distinct Creates, bracketed by timer ticks; best of ROUNDS.
 */
import { it } from "vitest";
import { prepareInboxMessage, readInboxBody, verifyInboundActivity } from "../../src/federation/inbox";
import { importPublicKey } from "../../src/federation/signatures/crypto-keys";
import { mastodonPolicy } from "../../src/federation/signatures/policy";
import {
  checkBodyDigest,
  messageFromRequest,
  parseSignature,
  verifyParsedSignature,
} from "../../src/federation/signatures/verify";
import { parseActivity } from "../../src/federation/vocab/activity";
import { remoteActor } from "../../test/federation/helpers";
import { floorUs, memoryKeySource, type Scheme, signedSpecs, tick, toRequest } from "./inbox-bench-helpers";

const N = 500;
const ROUNDS = 5;

async function perOp<T>(items: T[], fn: (item: T) => unknown): Promise<number> {
  await tick();
  const start = Date.now();
  for (const item of items) await fn(item);
  await tick();
  return ((Date.now() - start) * 1000) / items.length;
}

it("inbound verification cost per activity, step by step", async () => {
  const actor = await remoteActor();
  const key = await importPublicKey(actor.publicKeyPem, "rsa-v1_5-sha256");
  const keys = memoryKeySource(actor, 1);
  const nonce = Date.now().toString(36);
  for (const scheme of ["cavage", "rfc9421"] as Scheme[]) {
    const specs = await signedSpecs(actor, scheme, N, nonce);
    const policy = mastodonPolicy();
    const msgs = specs.map((s) => messageFromRequest(toRequest(s), s.bytes));
    const parsed = msgs.map((m) => {
      const p = parseSignature(m, policy);
      if (!p.ok) throw new Error(p.reason);
      return p.value;
    });
    const docs = specs.map((s) => JSON.parse(new TextDecoder().decode(s.bytes)) as unknown);
    const idx = specs.map((_, i) => i);
    const best = new Map<string, number>();
    const keep = (label: string, us: number) => best.set(label, Math.min(best.get(label) ?? Infinity, us));
    for (let round = 0; round < ROUNDS; round++) {
      keep("floor: RSA verify + SHA-256 + JSON.parse", await floorUs(specs, key));
      keep("  RSA-2048 verify", await perOp(specs, (s) => crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, s.signature, s.base)));
      keep("  SHA-256 of the body", await perOp(specs, (s) => crypto.subtle.digest("SHA-256", s.bytes)));
      keep("  decode + JSON.parse", await perOp(specs, (s) => JSON.parse(new TextDecoder().decode(s.bytes))));
      const requests = specs.map(toRequest);
      keep("readInboxBody (Content-Length: one read)", await perOp(requests, (r) => readInboxBody(r)));
      keep("parseSignature + policy", await perOp(msgs, (m) => parseSignature(m, policy)));
      keep(
        "checkBodyDigest",
        await perOp(idx, (i) => checkBodyDigest(msgs[i] as SignedMessageOf, parsed[i] as ParsedOf, policy)),
      );
      keep("verifyParsedSignature (warm key)", await perOp(parsed, (p) => verifyParsedSignature(p, actor.publicKeyPem, policy)));
      keep("parseActivity", await perOp(docs, (d) => parseActivity(d)));
      const verified = [];
      for (const spec of specs) {
        const request = toRequest(spec);
        const body = await readInboxBody(request);
        if ("status" in body) throw new Error(body.reason);
        const v = await verifyInboundActivity(request, body, keys);
        if ("status" in v) throw new Error(v.reason);
        verified.push(v);
      }
      keep("prepareInboxMessage", await perOp(verified, (v) => prepareInboxMessage(v)));
      const fresh = specs.map(toRequest);
      keep(
        "whole pipeline (as the route, no D1)",
        await perOp(fresh, async (request) => {
          const body = await readInboxBody(request);
          if ("status" in body) throw new Error(body.reason);
          const v = await verifyInboundActivity(request, body, keys);
          if ("status" in v) throw new Error(v.reason);
          const p = await prepareInboxMessage(v);
          if ("status" in p) throw new Error(p.reason);
        }),
      );
    }
    console.log(`\n${scheme}: ${specs[0]?.bytes.length ?? 0}-byte Create, µs per activity, best of ${ROUNDS} × ${N}`);
    for (const [label, us] of best) console.log(`  ${label.padEnd(42)} ${us.toFixed(1).padStart(7)}`);
  }
});

type SignedMessageOf = ReturnType<typeof messageFromRequest>;
type ParsedOf = Extract<ReturnType<typeof parseSignature>, { ok: true }>["value"];
