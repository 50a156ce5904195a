/**
 * RFC 8414 server metadata (Phanpy decides on PKCE from `code_challenge_methods_supported`) and the
 * OpenID-style userinfo document Mastodon 4.4 added.
 */
import type { Config } from "../config";
import type { Account } from "../db/schema";
import { serializeAccount } from "../entities/account";
import { actorUri, profileUrl } from "../urls";
import { RESPONSE_MODES } from "./authorize";
import { CODE_CHALLENGE_METHODS } from "./pkce";
import { ALL_SCOPES } from "./scopes";
import { GRANT_TYPES } from "./token";

export interface AuthorizationServerMetadata {
  issuer: string;
  service_documentation: string;
  authorization_endpoint: string;
  token_endpoint: string;
  app_registration_endpoint: string;
  revocation_endpoint: string;
  userinfo_endpoint: string;
  scopes_supported: string[];
  response_types_supported: string[];
  response_modes_supported: string[];
  code_challenge_methods_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
}

/** Mastodon's issuer is its root URL, trailing slash included. */
export function issuer(config: Config): string {
  return `${config.baseUrl}/`;
}

export function authorizationServerMetadata(config: Config): AuthorizationServerMetadata {
  const base = config.baseUrl;
  return {
    issuer: issuer(config),
    service_documentation: "https://docs.joinmastodon.org/",
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    app_registration_endpoint: `${base}/api/v1/apps`,
    revocation_endpoint: `${base}/oauth/revoke`,
    userinfo_endpoint: `${base}/oauth/userinfo`,
    scopes_supported: [...ALL_SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: [...RESPONSE_MODES],
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS],
    grant_types_supported: [...GRANT_TYPES],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  };
}

export interface UserInfo {
  iss: string;
  sub: string;
  name: string;
  preferred_username: string;
  profile: string;
  picture: string;
}

/** As Mastodon builds it: `sub` is the actor URI (stable, globally unique), `profile` the page people visit. */
export function userInfo(config: Config, account: Account): UserInfo {
  return {
    iss: issuer(config),
    sub: account.uri ?? actorUri(config, account.username),
    name: account.displayName,
    preferred_username: account.username,
    profile: account.url ?? profileUrl(config, account.username),
    picture: serializeAccount(config, account).avatar,
  };
}
