/** Every public URL Petrel mints, in one place, so local URLs stay consistent across API and federation. */
import type { Config } from "./config";

export const INSTANCE_ACTOR_USERNAME = "instance.actor";

export function actorUri(config: Config, username: string): string {
  return `${config.baseUrl}/users/${username}`;
}

export function profileUrl(config: Config, username: string): string {
  return `${config.baseUrl}/@${username}`;
}

export function defaultAvatarUrl(config: Config): string {
  return `${config.baseUrl}/avatars/original/missing.png`;
}

export function defaultHeaderUrl(config: Config): string {
  return `${config.baseUrl}/headers/original/missing.png`;
}

/** URL of a stored media object (R2 key); the media issue serves these. */
export function mediaUrl(config: Config, key: string): string {
  return `${config.baseUrl}/media/${key}`;
}

export function instanceThumbnailUrl(config: Config): string {
  return `${config.baseUrl}/instance/thumbnail.png`;
}
