/**
 * CSRF protection for every form: a random `petrel_csrf` cookie (HttpOnly, SameSite=Lax) and a hidden
 * field holding the HMAC of that cookie under SECRET_KEY_BASE. A forged form has no way to know the
 * HMAC; a stolen field is useless without the cookie. Failures are Rails' 422.
 */
import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { timingSafeEqual } from "../crypto/encoding";
import { hmacSha256Base64Url, randomToken } from "../crypto/tokens";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import type { Params } from "../util/params";

export const CSRF_COOKIE = "petrel_csrf";
export const CSRF_FIELD = "authenticity_token";

/** The value to put in the form's hidden `authenticity_token` field (sets the cookie if needed). */
export async function csrfToken(c: Context<AppEnv>): Promise<string> {
  let seed = getCookie(c, CSRF_COOKIE);
  if (!seed) {
    seed = randomToken(24);
    setCookie(c, CSRF_COOKIE, seed, {
      path: "/",
      httpOnly: true,
      secure: c.get("config").scheme === "https",
      sameSite: "Lax",
    });
  }
  return hmacSha256Base64Url(c.get("config").secretKeyBase, `csrf:${seed}`);
}

export async function verifyCsrf(c: Context<AppEnv>, params: Params): Promise<void> {
  const seed = getCookie(c, CSRF_COOKIE);
  const sent = params.string(CSRF_FIELD) ?? c.req.header("x-csrf-token") ?? "";
  if (!seed || !sent) throw new ApiError(422, "Invalid authenticity token");
  const expected = await hmacSha256Base64Url(c.get("config").secretKeyBase, `csrf:${seed}`);
  if (!timingSafeEqual(expected, sent)) throw new ApiError(422, "Invalid authenticity token");
}
