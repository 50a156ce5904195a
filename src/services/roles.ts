/** Account roles in order of authority (Mastodon's UserRole positions, reduced to Petrel's four). */
import type { AccountRole } from "../db/schema";

export const ROLE_RANK: Record<AccountRole, number> = { user: 0, moderator: 1, admin: 2, owner: 3 };
