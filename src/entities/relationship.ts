/** The Relationship entity: how the signed-in account relates to another one. */
import { isoDate } from "../util/time";

export interface MastodonRelationship {
  id: string;
  following: boolean;
  showing_reblogs: boolean;
  notifying: boolean;
  languages: string[] | null;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  muting_notifications: boolean;
  muting_expires_at: string | null;
  requested: boolean;
  requested_by: boolean;
  domain_blocking: boolean;
  endorsed: boolean;
  note: string;
}

/** One row of the relationship query (src/services/relationships/relationship-map.ts). */
export interface RelationshipState {
  accountId: number;
  follow: { reblogs: boolean; notify: boolean; languages: string[] | null } | null;
  request: { reblogs: boolean; notify: boolean; languages: string[] | null } | null;
  followedBy: boolean;
  requestedBy: boolean;
  blocking: boolean;
  blockedBy: boolean;
  mute: { notifications: boolean; expiresAt: number | null } | null;
  domainBlocking: boolean;
  note: string | null;
  /** Shown on the viewer's profile (account_pins, src/services/endorsements.ts). */
  endorsed?: boolean;
}

export function serializeRelationship(state: RelationshipState): MastodonRelationship {
  // A pending request carries the options the follow will get once it is accepted.
  const options = state.follow ?? state.request;
  return {
    id: String(state.accountId),
    following: state.follow !== null,
    showing_reblogs: options?.reblogs ?? false,
    notifying: options?.notify ?? false,
    languages: options?.languages ?? null,
    followed_by: state.followedBy,
    blocking: state.blocking,
    blocked_by: state.blockedBy,
    muting: state.mute !== null,
    muting_notifications: state.mute?.notifications ?? false,
    muting_expires_at: state.mute?.expiresAt != null ? isoDate(state.mute.expiresAt) : null,
    requested: state.request !== null,
    requested_by: state.requestedBy,
    domain_blocking: state.domainBlocking,
    endorsed: state.endorsed ?? false,
    note: state.note ?? "",
  };
}
