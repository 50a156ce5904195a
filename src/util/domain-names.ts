/**
 * Domain names as moderation reads them, without the Worker's types (the operator CLI loads this
 * module too, scripts/lib/petrel-src.ts): the host staff typed, the names a rule may match, the
 * public list's obfuscation, and the FANOUT message a block's work on stored accounts rides in.
 */

/**
 * The host a staff member typed, as accounts store it: lower case, IDN as punycode, with a port
 * only when one was given; a pasted URL or handle is reduced to its host. Null when not a host.
 */
export function normalizeBlockDomain(raw: string): string | null {
  const text = (
    raw
      .trim()
      .toLowerCase()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
      .replace(/^@?[^@/]*@/, "")
      .split(/[/?#]/)[0] ?? ""
  ).replace(/\.$/, "");
  if (text === "" || /[\s@]/.test(text)) return null;
  try {
    const host = new URL(`https://${text}/`).host;
    return /^[a-z0-9.[\]:-]+$/.test(host) && !host.startsWith(".") ? host : null;
  } catch {
    return null;
  }
}

/**
 * The names a rule for `host` may be stored under, most specific first: the host as given (with
 * its port), then its name and each parent domain (a rule for `example.com` covers
 * `social.example.com`, as Mastodon's DomainBlock.rule_for). An IP address covers only itself.
 */
export function domainCandidates(host: string): string[] {
  const h = host.trim().toLowerCase();
  if (h === "") return [];
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : (h.split(":")[0] ?? h);
  const out = [h];
  if (name !== h) out.push(name);
  if (name.startsWith("[") || /^\d+(\.\d+){3}$/.test(name)) return out;
  const labels = name.split(".");
  for (let i = 1; i < labels.length; i++) out.push(labels.slice(i).join("."));
  return out;
}

/**
 * The domain with its middle starred out (dots kept), as Mastodon's DomainBlock#public_domain shows
 * an obfuscated block: a quarter of its length stays visible at each end.
 */
export function obfuscateDomain(domain: string): string {
  const visible = Math.floor(domain.length / 4);
  return [...domain].map((ch, i) => (i > visible && i < domain.length - visible && ch !== "." ? "*" : ch)).join("");
}

/** Whether blocking `domain` would block this server itself (its own domains or a parent of them). */
export function isOwnDomain(domain: string, own: readonly string[]): boolean {
  return own.some((d) => d === domain || d.endsWith(`.${domain}`));
}

/** `domain_block.accounts` (src/queue/messages.ts): a block's work on the accounts already stored. */
export function domainBlockWork(op: "apply" | "lift", domain: string, marker: number) {
  return { type: "domain_block.accounts" as const, v: 1 as const, op, domain, marker, after: 0 };
}
