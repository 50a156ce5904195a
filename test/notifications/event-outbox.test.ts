/**
 * The event outbox (src/queue/event-outbox.ts): a notification written outside the Worker (the
 * operator CLI's `admin.sign_up`, see test/e2e/cli.test.ts for the CLI itself) reaches the
 * recipient's sockets once the cron runs, like one the Worker wrote; rows that hold no domain event
 * are dropped without holding up the rest.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { newId } from "../../src/ids";
import { drainEventOutbox, outboxNotificationCreated, parseOutboxMessage } from "../../src/queue/event-outbox";
import { runScheduled } from "../../src/scheduled";
import { createTestUser } from "../helpers/fixtures";
import { connected, expectNone, type Frame, payloadOf, type TestSocket } from "../streaming/helpers";

const sockets: TestSocket[] = [];

beforeEach(async () => {
  await env.DB.prepare("DELETE FROM event_outbox").run();
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
  vi.restoreAllMocks();
});

/** A notification as the CLI writes it, with its outbox row, in one batch; returns its id. */
async function writeLikeTheCli(recipientId: number, fromId: number, options: { filtered?: boolean } = {}): Promise<number> {
  const now = Date.now();
  const id = newId(now);
  const outbox = outboxNotificationCreated(id, recipientId, now);
  await env.DB.batch([
    env.DB.prepare(
      "INSERT INTO notifications (id, account_id, from_account_id, type, created_at, filtered, group_key) VALUES (?, ?, ?, 'admin.sign_up', ?, ?, ?)",
    ).bind(id, recipientId, fromId, now, options.filtered ? 1 : 0, `admin.sign_up-${Math.floor(now / 3_600_000)}`),
    env.DB.prepare(outbox.sql).bind(...outbox.params),
  ]);
  return id;
}

async function outboxRows(): Promise<Array<{ id: number; message: string }>> {
  const { results } = await env.DB.prepare("SELECT id, message FROM event_outbox ORDER BY id").all<{
    id: number;
    message: string;
  }>();
  return results;
}

const isSignUp = (id: number) => (f: Frame) =>
  f.event === "notification" && payloadOf<{ id: string; type: string }>(f).id === String(id);

describe("event outbox", () => {
  it("streams a notification written outside the Worker when the cron runs, then forgets it", async () => {
    const [owner, newcomer] = [await createTestUser({ role: "owner" }), await createTestUser()];
    const socket = await connected("stream=user:notification", { token: owner.token });
    sockets.push(socket);
    await socket.barrier();

    const id = await writeLikeTheCli(owner.account.id, newcomer.account.id);
    expect(await outboxRows()).toHaveLength(1);
    // Nothing reaches the socket before the cron: the writer could not reach the queue.
    await expectNone(socket, isSignUp(id), 500);

    await runScheduled(Date.now(), env);
    const frame = await socket.waitFor(isSignUp(id));
    expect(frame.stream).toEqual(["user:notification"]);
    const payload = payloadOf<{ type: string; account: { id: string }; group_key: string }>(frame);
    expect(payload.type).toBe("admin.sign_up");
    expect(payload.account.id).toBe(String(newcomer.account.id));
    expect(await outboxRows()).toEqual([]);

    // Sent once: the next tick finds nothing.
    expect(await drainEventOutbox(env)).toEqual({ sent: 0, dropped: 0 });
  });

  it("records no event for a notification that was not stored or is held back by the policy", async () => {
    const [owner, newcomer] = [await createTestUser({ role: "owner" }), await createTestUser()];
    const missing = outboxNotificationCreated(newId(), owner.account.id, Date.now());
    await env.DB.prepare(missing.sql)
      .bind(...missing.params)
      .run();
    await writeLikeTheCli(owner.account.id, newcomer.account.id, { filtered: true });
    expect(await outboxRows()).toEqual([]);
  });

  it("drops rows that hold no domain event, logs them, and still sends the others", async () => {
    const [owner, newcomer] = [await createTestUser({ role: "owner" }), await createTestUser()];
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const now = Date.now();
    await env.DB.batch(
      [
        "{not json",
        JSON.stringify({ type: "status.created", v: 1, statusId: 1 }),
        JSON.stringify({ type: "filters.changed", v: 2, accountId: 1 }),
      ].map((message) => env.DB.prepare("INSERT INTO event_outbox (message, created_at) VALUES (?, ?)").bind(message, now)),
    );
    await writeLikeTheCli(owner.account.id, newcomer.account.id);

    expect(await drainEventOutbox(env)).toEqual({ sent: 1, dropped: 3 });
    expect(await outboxRows()).toEqual([]);
    expect(errors.mock.calls.filter((c) => String(c[0]).startsWith("event outbox: row"))).toHaveLength(3);
  });

  it("sends at most `limit` rows per tick, oldest first", async () => {
    const owner = await createTestUser({ role: "owner" });
    const now = Date.now();
    await env.DB.batch(
      [1, 2, 3, 4, 5].map(() =>
        env.DB.prepare("INSERT INTO event_outbox (message, created_at) VALUES (?, ?)").bind(
          JSON.stringify({ type: "filters.changed", v: 1, accountId: owner.account.id }),
          now,
        ),
      ),
    );
    const ids = (await outboxRows()).map((r) => r.id);
    expect(await drainEventOutbox(env, 3)).toEqual({ sent: 3, dropped: 0 });
    expect((await outboxRows()).map((r) => r.id)).toEqual(ids.slice(3));
    expect(await drainEventOutbox(env, 3)).toEqual({ sent: 2, dropped: 0 });
    expect(await outboxRows()).toEqual([]);
  });

  it("accepts only whole domain events", () => {
    expect(parseOutboxMessage('{"type":"notification.created","v":1,"notificationId":5,"accountId":7}')).toEqual({
      type: "notification.created",
      v: 1,
      notificationId: 5,
      accountId: 7,
    });
    expect(parseOutboxMessage('{"type":"notification.created","v":1,"notificationId":5}')).toBeUndefined();
    expect(parseOutboxMessage('{"type":"conversation.updated","v":1,"accountId":7,"conversationId":"x"}')).toBeUndefined();
    expect(parseOutboxMessage('{"type":"status.deleted","v":1,"statusId":5,"accountId":7,"reblogOfId":null}')).toBeUndefined();
    expect(parseOutboxMessage("null")).toBeUndefined();
  });
});
