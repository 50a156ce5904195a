/** Tag entities for a set of tags: their histories and, for a signed-in viewer, its flags, in two reads. */
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type MastodonTag, serializeTag, type TagView } from "../../entities/tag";
import { viewerTagFlags } from "./follows";
import { emptyHistory, type TagHistoryDay, tagHistories } from "./history";

export async function renderTags(
  db: Db,
  config: Config,
  viewerId: number | undefined,
  tags: readonly TagView[],
  options: { histories?: Map<number, TagHistoryDay[]>; now?: number } = {},
): Promise<MastodonTag[]> {
  const now = options.now ?? Date.now();
  const ids = tags.flatMap((t) => (t.id === null ? [] : [t.id]));
  const histories = options.histories ?? (await tagHistories(db, ids, now));
  const flags = viewerId === undefined ? undefined : await viewerTagFlags(db, viewerId, ids);
  return tags.map((tag) =>
    serializeTag(config, tag, {
      history: (tag.id !== null ? histories.get(tag.id) : undefined) ?? emptyHistory(now),
      following: flags ? tag.id !== null && flags.following.has(tag.id) : undefined,
      featuring: flags ? tag.id !== null && flags.featuring.has(tag.id) : undefined,
    }),
  );
}

export async function renderTag(db: Db, config: Config, viewerId: number | undefined, tag: TagView): Promise<MastodonTag> {
  const [out] = await renderTags(db, config, viewerId, [tag]);
  if (!out) throw new Error("renderTags returned nothing");
  return out;
}
