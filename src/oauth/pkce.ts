/** PKCE (RFC 7636). Mastodon accepts only S256: `plain` would let a stolen code be redeemed as is. */
import { sha256Base64Url } from "../crypto/tokens";

export const CODE_CHALLENGE_METHODS = ["S256"] as const;
/** RFC 7636 caps verifiers at 128 characters; an S256 challenge is always 43. */
export const CODE_CHALLENGE_MAX = 128;

/** The challenge a verifier answers: base64url(sha256(verifier)), unpadded. */
export function s256Challenge(verifier: string): Promise<string> {
  return sha256Base64Url(verifier);
}
