/**
 * `admin.report` notifications (Mastodon's ReportService#notify_staff!): every moderator, admin and
 * owner hears of a new report, with the Report entity, on v1 and v2 notifications; nobody else does;
 * and a second report about an account already reported and unresolved tells nobody again.
 */
import { describe, expect, it, vi } from "vitest";
import type { Db } from "../../src/db/client";
import { notifyStaffOfReport, notifyStaffOfSignUp } from "../../src/services/staff-notifications";
import { api, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import type { Json } from "../lists/helpers";
import { post } from "../statuses/helpers";

interface ReportNotification {
  id: string;
  type: string;
  account: { id: string };
  report: { id: string; comment: string; status_ids: string[]; target_account: { id: string } } | null;
}

async function fileReport(reporter: TestUser, json: Json): Promise<string> {
  const res = await api("/api/v1/reports", { token: reporter.token, json });
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.id;
}

async function adminReports(viewer: TestUser): Promise<ReportNotification[]> {
  const res = await api("/api/v1/notifications?types[]=admin.report", { token: viewer.token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as ReportNotification[];
  expectEntity("Notification", body, { array: true });
  return body;
}

describe("admin.report notifications", () => {
  it("tell every moderator and admin about a report, with the report, and nobody else", async () => {
    const [alice, bob, mod, admin, bystander] = [
      await createTestUser(),
      await createTestUser(),
      await createTestUser({ role: "moderator" }),
      await createTestUser({ role: "admin" }),
      await createTestUser(),
    ];
    const rude = await post(bob, "a rude post");
    const reportId = await fileReport(alice, { account_id: bob.account.id, status_ids: [rude.id], comment: "rude" });

    for (const staff of [mod, admin]) {
      const mine = (await adminReports(staff)).filter((n) => n.report?.id === reportId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        type: "admin.report",
        account: { id: String(alice.account.id) },
        report: { comment: "rude", status_ids: [rude.id], target_account: { id: String(bob.account.id) } },
      });
    }
    // Not a type a user without a staff role is shown, nor one they were sent.
    expect(await adminReports(bystander)).toEqual([]);
    const stored = await db()
      .$client.prepare("SELECT account_id FROM notifications WHERE type = 'admin.report' AND report_id = ?")
      .bind(Number(reportId))
      .all<{ account_id: number }>();
    const recipients = stored.results.map((r) => r.account_id);
    expect(recipients).toContain(mod.account.id);
    expect(recipients).not.toContain(bystander.account.id);
    expect(recipients).not.toContain(alice.account.id);

    // Grouped notifications carry the report on the group.
    const res = await api("/api/v2/notifications?types[]=admin.report", { token: mod.token });
    expect(res.status).toBe(200);
    const grouped = (await res.json()) as { notification_groups: Array<{ type: string; report?: { id: string } }> };
    expectEntity("GroupedNotificationsResults", grouped);
    expect(grouped.notification_groups.find((g) => g.report?.id === reportId)).toMatchObject({ type: "admin.report" });
  });

  it("stays quiet about an account whose earlier report is unresolved, and speaks again once it is resolved", async () => {
    const [alice, carol, bob, mod] = [
      await createTestUser(),
      await createTestUser(),
      await createTestUser(),
      await createTestUser({ role: "moderator" }),
    ];
    const first = await fileReport(alice, { account_id: bob.account.id });
    const second = await fileReport(carol, { account_id: bob.account.id });
    const about = async (id: string) => (await adminReports(mod)).filter((n) => n.report?.id === id);
    expect(await about(first)).toHaveLength(1);
    expect(await about(second)).toHaveLength(0);

    await db()
      .$client.prepare("UPDATE reports SET action_taken_at = ? WHERE target_account_id = ?")
      .bind(Date.now(), bob.account.id)
      .run();
    const third = await fileReport(carol, { account_id: bob.account.id, comment: "again" });
    expect(await about(third)).toMatchObject([{ report: { comment: "again" } }]);
  });

  it("still show a report whose target was suspended since", async () => {
    const [alice, bob, mod] = [await createTestUser(), await createTestUser(), await createTestUser({ role: "moderator" })];
    const id = await fileReport(alice, { account_id: bob.account.id });
    await db().$client.prepare("UPDATE accounts SET suspended_at = ? WHERE id = ?").bind(Date.now(), bob.account.id).run();
    const [shown] = (await adminReports(mod)).filter((n) => n.report?.id === id);
    expect(shown?.report?.target_account.id).toBe(String(bob.account.id));
  });

  it("are best effort: a database failure is logged, and the report (or sign-up) that caused it still stands", async () => {
    const failing = { all: () => Promise.reject(new Error("D1 is down")) } as unknown as Db;
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      await expect(notifyStaffOfReport(failing, { id: 1, accountId: 2, targetAccountId: 3 })).resolves.toBeUndefined();
      await expect(notifyStaffOfSignUp(failing, 2)).resolves.toBeUndefined();
      expect(logged.mock.calls.map((c) => String(c[0]))).toEqual([
        "notifications: report 1 not checked for siblings",
        "notifications: staff not told of admin.sign_up from account 2",
      ]);
    } finally {
      logged.mockRestore();
    }
  });
});
