/**
 * Home and list feeds live in each local account's AccountHub Durable Object (SQLite storage), filled
 * on write by the FANOUT consumer. These are the operations the rest of the app calls.
 * The timelines work fills in the bodies; the signatures are the contract.
 */
import type { Bindings } from "../env";

/** After `followerId` starts following `targetAccountId`: pull the target's recent statuses into the feed. */
export async function mergeIntoHomeFeed(_env: Bindings, _followerId: number, _targetAccountId: number): Promise<void> {
  throw new Error("mergeIntoHomeFeed: not implemented yet");
}

/** After an unfollow, block or mute: drop the target's statuses and boosts from `accountId`'s feeds. */
export async function removeFromHomeFeed(_env: Bindings, _accountId: number, _targetAccountId: number): Promise<void> {
  throw new Error("removeFromHomeFeed: not implemented yet");
}
