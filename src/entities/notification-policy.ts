/** NotificationPolicy (v2, `for_*`) and the v1 shape (`filter_*` booleans): the only place their JSON is built. */
import type { PolicyAction } from "../db/schema-notification-policy";
import type { NotificationPolicy, PolicySummary } from "../services/notification-policy";

export interface MastodonPolicySummary {
  pending_requests_count: number;
  pending_notifications_count: number;
}

export interface MastodonNotificationPolicy {
  for_not_following: PolicyAction;
  for_not_followers: PolicyAction;
  for_new_accounts: PolicyAction;
  for_private_mentions: PolicyAction;
  for_limited_accounts: PolicyAction;
  summary: MastodonPolicySummary;
}

export interface MastodonNotificationPolicyV1 {
  filter_not_following: boolean;
  filter_not_followers: boolean;
  filter_new_accounts: boolean;
  filter_private_mentions: boolean;
  summary: MastodonPolicySummary;
}

function summary(s: PolicySummary): MastodonPolicySummary {
  return { pending_requests_count: s.pendingRequests, pending_notifications_count: s.pendingNotifications };
}

export function serializeNotificationPolicy(p: NotificationPolicy, s: PolicySummary): MastodonNotificationPolicy {
  return {
    for_not_following: p.forNotFollowing,
    for_not_followers: p.forNotFollowers,
    for_new_accounts: p.forNewAccounts,
    for_private_mentions: p.forPrivateMentions,
    for_limited_accounts: p.forLimitedAccounts,
    summary: summary(s),
  };
}

/** v1 reports anything but `accept` (so `drop` too) as filtering, as Mastodon's V1 serializer does. */
export function serializeNotificationPolicyV1(p: NotificationPolicy, s: PolicySummary): MastodonNotificationPolicyV1 {
  return {
    filter_not_following: p.forNotFollowing !== "accept",
    filter_not_followers: p.forNotFollowers !== "accept",
    filter_new_accounts: p.forNewAccounts !== "accept",
    filter_private_mentions: p.forPrivateMentions !== "accept",
    summary: summary(s),
  };
}
