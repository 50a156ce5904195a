/** Application and CredentialApplication entities: the only place their JSON is built. */
import type { OauthApplication } from "../db/schema";

export interface MastodonApplication {
  id: string;
  name: string;
  website: string | null;
  scopes: string[];
  /** Deprecated by Mastodon 4.3 but still read by older clients: the URIs joined by newlines. */
  redirect_uri: string;
  redirect_uris: string[];
  /** Deprecated; Elk still falls back to it for Web Push when the instance has no `configuration.vapid`. */
  vapid_key: string;
}

export interface MastodonCredentialApplication extends MastodonApplication {
  client_id: string;
  client_secret: string;
  client_secret_expires_at: number;
}

export function applicationRedirectUris(app: Pick<OauthApplication, "redirectUris">): string[] {
  return app.redirectUris.split(/\s+/).filter(Boolean);
}

export function applicationScopes(app: Pick<OauthApplication, "scopes">): string[] {
  return app.scopes.split(/\s+/).filter(Boolean);
}

export function serializeApplication(app: OauthApplication, vapidKey: string): MastodonApplication {
  const uris = applicationRedirectUris(app);
  return {
    id: String(app.id),
    name: app.name,
    website: app.website,
    scopes: applicationScopes(app),
    redirect_uri: uris.join("\n"),
    redirect_uris: uris,
    vapid_key: vapidKey,
  };
}

/** Only at creation: the client secret is never stored in the clear, so it cannot be shown again. */
export function serializeCredentialApplication(
  app: OauthApplication,
  clientSecret: string,
  vapidKey: string,
): MastodonCredentialApplication {
  return {
    ...serializeApplication(app, vapidKey),
    client_id: app.clientId,
    client_secret: clientSecret,
    client_secret_expires_at: 0,
  };
}
