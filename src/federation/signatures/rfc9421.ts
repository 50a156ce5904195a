/**
 * RFC 9421 HTTP Message Signatures. Mastodon 4.5 verifies them by default and signs them as a
 * fallback (INTEROP §1.2); its rules, applied when the policy asks: exactly one signature,
 * `created` present, `@method` and `@target-uri` covered, and on requests with a body a
 * `Content-Digest` (RFC 9530) present and covered.
 */
import type { OutgoingRequest, RequestSigner } from "./crypto-keys";
import { bytesToBase64, type SignatureAlgorithm, signBytes } from "./crypto-keys";
import { contentDigestHeaderValue } from "./digest";
import {
  checkExpires,
  checkTime,
  fail,
  type ParsedSignature,
  type SignatureResult,
  type SignedMessage,
  type VerifyPolicy,
} from "./policy";
import { type DictionaryMember, type InnerList, type Item, parseDictionary, serializeItem } from "./structured-fields";

const ALGORITHMS: readonly SignatureAlgorithm[] = [
  "rsa-v1_5-sha256",
  "rsa-pss-sha512",
  "ecdsa-p256-sha256",
  "ed25519",
  "hmac-sha256",
];

/** The value of one covered component, or the reason it has none. */
function componentValue(item: Item, msg: SignedMessage, url: URL | null): SignatureResult<string> {
  if (typeof item.value !== "string") return fail("component identifiers must be strings");
  const name = item.value;
  for (const param of item.params.keys()) {
    if (!(name === "@query-param" && param === "name")) return fail(`component parameter ;${param} is not supported`);
  }
  if (name !== name.toLowerCase()) return fail(`component ${name} must be lower-case`);
  if (name.startsWith("@")) {
    if (name === "@status")
      return msg.status === undefined ? fail("@status on a request") : { ok: true, value: String(msg.status) };
    if (!url || !msg.method) return fail(`${name} on a response`);
    switch (name) {
      case "@method":
        return { ok: true, value: msg.method.toUpperCase() };
      case "@target-uri":
        return { ok: true, value: url.href };
      case "@authority":
        return { ok: true, value: url.host.toLowerCase() };
      case "@scheme":
        return { ok: true, value: url.protocol.replace(/:$/, "").toLowerCase() };
      case "@request-target":
        return { ok: true, value: `${url.pathname}${url.search}` };
      case "@path":
        return { ok: true, value: url.pathname || "/" };
      case "@query":
        return { ok: true, value: url.search || "?" };
      case "@query-param": {
        const param = item.params.get("name");
        if (typeof param !== "string") return fail("@query-param needs a name");
        const values = new URLSearchParams(url.search).getAll(param);
        if (values.length !== 1) return fail(`query parameter ${param} is missing or repeated`);
        return { ok: true, value: encodeURIComponent(values[0] ?? "") };
      }
      default:
        return fail(`unsupported derived component ${name}`);
    }
  }
  const value = msg.headers.get(name);
  if (value === null) return fail(`covered header ${name} is missing`);
  return { ok: true, value: value.trim() };
}

/** Builds the signature base (RFC 9421 §2.5) for one Signature-Input member. */
export function signatureBase(
  msg: SignedMessage,
  components: InnerList,
  signatureParamsRaw: string,
  url: URL | null,
): SignatureResult<string> {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const item of components.items) {
    const id = serializeItem(item);
    if (seen.has(id)) return fail(`component ${id} covered twice`);
    seen.add(id);
    const value = componentValue(item, msg, url);
    if (!value.ok) return value;
    lines.push(`${id}: ${value.value}`);
  }
  lines.push(`"@signature-params": ${signatureParamsRaw}`);
  return { ok: true, value: lines.join("\n") };
}

function intParam(list: InnerList, name: string): number | null | undefined {
  const v = list.params.get(name);
  if (v === undefined) return null;
  return typeof v === "number" && Number.isInteger(v) ? v : undefined;
}

/** Parses Signature-Input / Signature and applies the policy; no key or body needed yet. */
export function parseRfc9421Signature(msg: SignedMessage, policy: VerifyPolicy): SignatureResult<ParsedSignature> {
  let inputs: Map<string, DictionaryMember>;
  let signatures: Map<string, DictionaryMember>;
  try {
    inputs = parseDictionary(msg.headers.get("signature-input") ?? "");
    signatures = parseDictionary(msg.headers.get("signature") ?? "");
  } catch (err) {
    return fail(`malformed signature headers: ${(err as Error).message}`);
  }
  if (inputs.size === 0) return fail("Signature-Input is empty");
  if (policy.mastodon && inputs.size !== 1) return fail("exactly one signature is accepted");
  const [label, input] = [...inputs][0] ?? [];
  if (!label || !input) return fail("Signature-Input is empty");
  const components = input.value;
  if (components.kind !== "list") return fail("Signature-Input member is not an inner list");
  const sig = signatures.get(label)?.value;
  if (sig?.kind !== "item" || !(sig.value instanceof Uint8Array)) return fail(`no signature labelled ${label}`);

  const keyId = components.params.get("keyid");
  if (typeof keyId !== "string" || !keyId) return fail("signature has no keyid");
  const created = intParam(components, "created");
  const expires = intParam(components, "expires");
  if (created === undefined || expires === undefined) return fail("created and expires must be integers");
  const alg = components.params.get("alg");
  let algorithm: SignatureAlgorithm | null = null;
  if (alg !== undefined) {
    if (typeof alg !== "string" || !(ALGORITHMS as readonly string[]).includes(alg))
      return fail(`unsupported alg ${String(alg)}`);
    algorithm = alg as SignatureAlgorithm;
  }

  const covered = components.items.map((i) => (typeof i.value === "string" ? i.value : ""));
  const method = msg.method?.toUpperCase() ?? null;
  const hasBody = msg.body !== null && msg.body.length > 0;
  if (policy.mastodon) {
    if (created === null) return fail("signature has no created parameter");
    if (!covered.includes("@method") || !covered.includes("@target-uri"))
      return fail("signature must cover @method and @target-uri");
    if ((method === "POST" || hasBody) && !covered.includes("content-digest"))
      return fail("a signed POST must cover content-digest");
  }
  if (created !== null) {
    const problem = checkTime("created", created * 1000, policy);
    if (problem) return fail(problem);
  }
  const expired = checkExpires(expires, policy);
  if (expired) return fail(expired);

  let url: URL | null = null;
  if (msg.url) {
    try {
      url = new URL(msg.url);
    } catch {
      return fail("bad request URL");
    }
  }
  const base = signatureBase(msg, components, input.raw, url);
  if (!base.ok) return base;
  return {
    ok: true,
    value: {
      scheme: "rfc9421",
      keyId,
      algorithm,
      signature: sig.value,
      bases: [base.value],
      digest: covered.includes("content-digest") || msg.headers.has("content-digest") ? "content-digest" : null,
    },
  };
}

export type Rfc9421Signer = RequestSigner;

/**
 * Signs as Mastodon's RFC 9421 fallback does: `("@method" "@target-uri")`, plus `"content-digest"`
 * when there is a body; `created` and `keyid`, no `alg` (the key implies it, as Mastodon expects).
 */
export async function signRfc9421(request: OutgoingRequest, signer: Rfc9421Signer, now: number = Date.now()): Promise<void> {
  const headers = request.headers;
  const components = ['"@method"', '"@target-uri"'];
  if (request.body !== null) {
    headers.set("content-digest", await contentDigestHeaderValue(request.body));
    components.push('"content-digest"');
  }
  const created = Math.floor(now / 1000);
  const params = `(${components.join(" ")});created=${created};keyid="${signer.keyId.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const url = new URL(request.url);
  const lines = [`"@method": ${request.method.toUpperCase()}`, `"@target-uri": ${url.href}`];
  if (request.body !== null) lines.push(`"content-digest": ${headers.get("content-digest")}`);
  lines.push(`"@signature-params": ${params}`);
  const signature = await signBytes(signer.algorithm, signer.privateKey, new TextEncoder().encode(lines.join("\n")));
  headers.set("signature-input", `sig1=${params}`);
  headers.set("signature", `sig1=:${bytesToBase64(signature)}:`);
  headers.set("date", new Date(now).toUTCString());
}
