import { describe, expect, it } from "vitest";
import { home, post, relate, users } from "../feeds/helpers";

describe("home timeline after a mute or block", () => {
  it("drops statuses that mention the muted account, and boosts of them, as Mastodon's clear_from_home does", async () => {
    const [alice, bob, carol] = await users(3);
    if (!alice || !bob || !carol) throw new Error("users");
    await relate(alice, carol.account.id, "follow");
    const mentioning = await post(carol.account.id, { mentions: [bob.account.id] });
    const other = await post(carol.account.id);
    const own = await post(alice.account.id, { mentions: [bob.account.id] });
    // carol's boost of alice's own status is not added: the original is already in alice's feed.
    await post(carol.account.id, { reblogOf: own });
    expect((await home(alice)).ids).toEqual([own, other, mentioning]);

    await relate(alice, bob.account.id, "mute");
    expect((await home(alice)).ids).toEqual([other]);
  });

  it("does the same on a block", async () => {
    const [alice, bob, carol] = await users(3);
    if (!alice || !bob || !carol) throw new Error("users");
    await relate(alice, carol.account.id, "follow");
    const mentioning = await post(carol.account.id, { mentions: [bob.account.id] });
    const other = await post(carol.account.id);
    expect((await home(alice)).ids).toEqual([other, mentioning]);

    await relate(alice, bob.account.id, "block");
    expect((await home(alice)).ids).toEqual([other]);
  });
});
