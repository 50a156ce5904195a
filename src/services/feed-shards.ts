/**
 * AccountHub shards, which hold the local accounts' feeds (src/services/feeds.ts). Fixed: an account's
 * feeds are found by hashing its id, so changing this number leaves every feed in a shard nobody asks
 * any more (they refill as new statuses arrive). Its own module, free of Worker types, so the Node
 * benchmarks can size their floor by it.
 */
export const ACCOUNT_SHARDS = 16;
