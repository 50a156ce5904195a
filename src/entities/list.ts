/** The List entity: the only place its JSON is built. */
import type { lists } from "../db/schema";

export type ListRow = typeof lists.$inferSelect;
export type RepliesPolicy = ListRow["repliesPolicy"];

export interface MastodonList {
  id: string;
  title: string;
  replies_policy: RepliesPolicy;
  exclusive: boolean;
}

export function serializeList(list: Pick<ListRow, "id" | "title" | "repliesPolicy" | "exclusive">): MastodonList {
  return {
    id: String(list.id),
    title: list.title,
    replies_policy: list.repliesPolicy,
    exclusive: list.exclusive,
  };
}
