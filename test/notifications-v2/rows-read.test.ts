import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { api, createTestUser } from "../helpers/fixtures";
import { exec, type Json, linkOf } from "../relationships/helpers";
import { note, status } from "./helpers";

function rowsRead(res: Response): number {
  const m = /d1;[^,]*desc="rows=(\d+)/.exec(res.headers.get("server-timing") ?? "");
  if (!m) throw new Error(`no rows in Server-Timing: ${res.headers.get("server-timing")}`);
  return Number(m[1]);
}

describe("grouped notifications stay bounded", () => {
  it("a huge group costs a bounded number of rows per page, and `next` still reaches older groups", async () => {
    const me = await createTestUser();
    const friend = await createTestUser();
    const post = await status(me);
    const oldest = await note(me, friend, "mention", await status(friend, { mentions: [me.account.id] }));
    const fan = await createTestUser();
    // 600 follows in one group (follows are not deduplicated), written straight to D1.
    const base = newId();
    for (let chunk = 0; chunk < 6; chunk++) {
      const values = Array.from(
        { length: 100 },
        (_, i) => `(${base + chunk * 100 + i + 1}, ${me.account.id}, ${fan.account.id}, 'follow', ${Date.now()}, 'follow-1')`,
      );
      await exec(
        `INSERT INTO notifications (id, account_id, from_account_id, type, created_at, group_key) VALUES ${values.join(",")}`,
      );
    }
    await note(me, friend, "favourite", post);

    const first = await api("/api/v2/notifications?limit=5", { token: me.token });
    expect(first.status).toBe(200);
    const body = (await first.json()) as Json;
    const groups = body.notification_groups as Json[];
    expect(groups.map((g) => g.type)).toEqual(["favourite", "follow"]);
    expect(groups[1]?.notifications_count).toBe(600);
    expect(rowsRead(first)).toBeLessThan(1000);

    let next = linkOf(first, "next");
    const later: Json[] = [];
    for (let i = 0; next && i < 10; i++) {
      const res = await api(next, { token: me.token });
      expect(rowsRead(res)).toBeLessThan(1000);
      later.push(...(((await res.json()) as Json).notification_groups as Json[]));
      next = linkOf(res, "next");
    }
    expect(later.map((g) => g.group_key)).toContain(`ungrouped-${oldest}`);
  });
});
