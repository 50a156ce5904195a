/** The Conversation entity (direct messages): the only place its JSON is built. */
import type { Config } from "../config";
import type { VisibleAccount } from "../services/accounts";
import { type MastodonAccount, serializeAccount } from "./account";
import type { MastodonStatus } from "./status";

export interface MastodonConversation {
  id: string;
  unread: boolean;
  accounts: MastodonAccount[];
  last_status: MastodonStatus | null;
}

export interface ConversationView {
  id: number;
  unread: boolean;
  /** The other participants; Mastodon shows the owner alone when there are none (a note to self). */
  participants: VisibleAccount[];
  lastStatus: MastodonStatus | null;
}

export function serializeConversation(config: Config, view: ConversationView): MastodonConversation {
  return {
    id: String(view.id),
    unread: view.unread,
    accounts: view.participants.map((p) => serializeAccount(config, p.account, { role: p.role })),
    last_status: view.lastStatus,
  };
}
