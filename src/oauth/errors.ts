/**
 * RFC 6749 error codes with the descriptions Doorkeeper sends, because clients show `error_description`
 * to people and some match on the text. invalid_client and unauthorized_client are 401 (RFC 6749 §5.2).
 */
import { ApiError } from "../errors";

export const OAUTH_DESCRIPTIONS = {
  invalid_request:
    "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed.",
  invalid_client:
    "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.",
  invalid_grant:
    "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
  invalid_scope: "The requested scope is invalid, unknown, or malformed.",
  invalid_redirect_uri: "The requested redirect uri is malformed or doesn't match client redirect URI.",
  unsupported_grant_type: "The authorization grant type is not supported by the authorization server.",
  unsupported_response_type: "The authorization server does not support this response type.",
  unsupported_response_mode: "The authorization server does not support this response mode.",
  access_denied: "The resource owner or authorization server denied the request.",
  revoke_unauthorized: "You are not authorized to revoke this token",
  code_challenge_method: "The code_challenge_method must be S256.",
} as const;

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "invalid_scope"
  | "unsupported_grant_type"
  | "unauthorized_client";

export function missingParam(name: string): string {
  return `Missing required parameter: ${name}.`;
}

/** An RFC 6749 token-endpoint error; `onError` renders it as `{error, error_description}`. */
export function oauthError(code: OAuthErrorCode, description?: string): ApiError {
  const text =
    description ?? (code === "unauthorized_client" ? OAUTH_DESCRIPTIONS.revoke_unauthorized : OAUTH_DESCRIPTIONS[code]);
  if (code === "invalid_client") {
    // RFC 6749 §5.2: a 401 names the authentication scheme the client can retry with.
    return new ApiError(401, code, {
      description: text,
      headers: { "WWW-Authenticate": `Basic realm="OAuth", error="invalid_client"` },
    });
  }
  return new ApiError(400, code, { description: text });
}
