/**
 * `/api/v1/tags/:name` (show, follow, unfollow, feature, unfeature) and `/api/v1/followed_tags`.
 * As Mastodon's TagsController: a name that is not a valid hashtag is "Record not found"; a valid
 * name nobody has used yet shows as an unsaved tag (empty id, zero history) and is created by follow
 * or feature.
 */
import { type Context, Hono } from "hono";
import type { TagView } from "../../../entities/tag";
import type { AppEnv } from "../../../env";
import { notFound } from "../../../errors";
import { currentUser, tokenOptional, userRequired } from "../../../oauth/middleware";
import { createFeaturedTag, unfeatureTag } from "../../../services/tags/featured";
import { followTag, listFollowedTags, unfollowTag } from "../../../services/tags/follows";
import { findOrCreateTag, findTagByName, isValidTagName } from "../../../services/tags/names";
import { renderTag, renderTags } from "../../../services/tags/render";
import { normalizeTag } from "../../../text/status-text";
import { linkHeader, readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";

export const tagsRoutes = new Hono<AppEnv>();

type C = Context<AppEnv>;

/** The `:name` path parameter, or 404 when it is not a hashtag name. */
function tagName(c: C): string {
  const raw = c.req.param("name") ?? "";
  if (!isValidTagName(raw)) throw notFound();
  return raw;
}

/** The existing tag, or the unsaved one Mastodon's `Tag.new` would show. */
async function existingOrNew(c: C, name: string): Promise<TagView> {
  return (await findTagByName(c.get("db"), name)) ?? { id: null, name: normalizeTag(name), displayName: name };
}

async function tagJson(c: C, tag: TagView) {
  return c.json(await renderTag(c.get("db"), c.get("config"), c.get("auth")?.account?.id, tag));
}

tagsRoutes.get("/api/v1/tags/:name", tokenOptional, async (c) => tagJson(c, await existingOrNew(c, tagName(c))));

tagsRoutes.post("/api/v1/tags/:name/follow", userRequired("write:follows"), async (c) => {
  const tag = await findOrCreateTag(c.get("db"), tagName(c));
  await followTag(c.get("db"), currentUser(c).account.id, tag.id);
  return tagJson(c, tag);
});

tagsRoutes.post("/api/v1/tags/:name/unfollow", userRequired("write:follows"), async (c) => {
  const tag = await existingOrNew(c, tagName(c));
  if (tag.id !== null) await unfollowTag(c.get("db"), currentUser(c).account.id, tag.id);
  return tagJson(c, tag);
});

// Mastodon 4.4: feature / unfeature from the tag itself, answering the Tag entity.
tagsRoutes.post("/api/v1/tags/:name/feature", userRequired("write:accounts"), async (c) => {
  const featured = await createFeaturedTag(c.get("db"), currentUser(c).account.id, tagName(c));
  return tagJson(c, featured.tag);
});

tagsRoutes.post("/api/v1/tags/:name/unfeature", userRequired("write:accounts"), async (c) => {
  const tag = await existingOrNew(c, tagName(c));
  if (tag.id !== null) await unfeatureTag(c.get("db"), currentUser(c).account.id, tag.id);
  return tagJson(c, tag);
});

// Mastodon's TagFollow paging: 100 by default, 200 at most, by the follow's id.
tagsRoutes.get("/api/v1/followed_tags", userRequired("read:follows"), async (c) => {
  const { account } = currentUser(c);
  const page = readPageParams(await readParams(c), { defaultLimit: 100, maxLimit: 200 });
  const result = await listFollowedTags(c.get("db"), account.id, page);
  const link = linkHeader(c.get("config"), c.req.url, { next: result.next, prev: result.prev });
  if (link) c.header("Link", link);
  const tags = await renderTags(
    c.get("db"),
    c.get("config"),
    account.id,
    result.items.map((i) => i.tag),
  );
  return c.json(tags);
});
