/**
 * Mastodon's paging: `max_id` (older than), `since_id` (newer than, newest first), `min_id`
 * (immediately newer, oldest first), `limit`; and a `Link` header with `next` (older) and `prev`
 * (newer) URLs. No links on an empty page, so `for await` paginators stop.
 * Lists keyed by internal ids (favourites, blocks...) pass their own cursors.
 */
import type { Config } from "../config";
import { ApiError } from "../errors";
import { parseId } from "../ids";
import type { Params } from "./params";

export interface PageParams {
  maxId: number | undefined;
  sinceId: number | undefined;
  minId: number | undefined;
  limit: number;
}

function cursor(params: Params, name: string): number | undefined {
  const raw = params.string(name);
  if (raw === undefined || raw === "") return undefined;
  const id = parseId(raw);
  if (id === undefined) throw new ApiError(400, `${name} must be a numeric id`);
  return id;
}

export function readPageParams(params: Params, options: { defaultLimit?: number; maxLimit?: number } = {}): PageParams {
  const defaultLimit = options.defaultLimit ?? 20;
  const maxLimit = options.maxLimit ?? 40;
  const rawLimit = params.string("limit");
  let limit = defaultLimit;
  if (rawLimit !== undefined && /^\s*-?\d+\s*$/.test(rawLimit)) {
    limit = Math.min(Math.max(Math.abs(Number(rawLimit)), 1), maxLimit);
  }
  return { maxId: cursor(params, "max_id"), sinceId: cursor(params, "since_id"), minId: cursor(params, "min_id"), limit };
}

/**
 * Builds the Link header for a page. `next` is the cursor for older items (usually the last item's
 * id), `prev` for newer ones (usually the first item's id). Other query params are kept, so filters
 * like `only_media` and the `limit` survive into the next request.
 */
export function linkHeader(
  config: Config,
  requestUrl: string,
  cursors: { next: string | number | undefined; prev: string | number | undefined },
): string | undefined {
  const url = new URL(requestUrl);
  const parts: string[] = [];
  const build = (key: string, value: string | number) => {
    const q = new URLSearchParams(url.search);
    for (const k of ["max_id", "min_id", "since_id"]) q.delete(k);
    q.set(key, String(value));
    return `${config.baseUrl}${url.pathname}?${q.toString()}`;
  };
  if (cursors.next !== undefined) parts.push(`<${build("max_id", cursors.next)}>; rel="next"`);
  if (cursors.prev !== undefined) parts.push(`<${build("min_id", cursors.prev)}>; rel="prev"`);
  return parts.length > 0 ? parts.join(", ") : undefined;
}

/** Link header for a page of items whose own ids are the cursors (statuses, notifications, accounts by id). */
export function linkHeaderForIds(config: Config, requestUrl: string, ids: Array<string | number>): string | undefined {
  if (ids.length === 0) return undefined;
  return linkHeader(config, requestUrl, { next: ids[ids.length - 1], prev: ids[0] });
}
