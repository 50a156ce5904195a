import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, type Json } from "../relationships/helpers";

async function markers(token: string, query = "?timeline[]=home&timeline[]=notifications"): Promise<Record<string, Json>> {
  const res = await api(`/api/v1/markers${query}`, { token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, Json>;
  for (const marker of Object.values(body)) expectEntity("Marker", marker);
  return body;
}

describe("/api/v1/markers", () => {
  it("round-trips markers; version goes up on each change", async () => {
    const me = await createTestUser();
    expect(await markers(me.token)).toEqual({});

    const first = await api("/api/v1/markers", { token: me.token, method: "POST", json: { home: { last_read_id: "100" } } });
    expect(first.status).toBe(200);
    const saved = (await first.json()) as Record<string, Json>;
    expect(Object.keys(saved)).toEqual(["home"]);
    expectEntity("Marker", saved.home);
    expect(saved.home).toMatchObject({ last_read_id: "100", version: 0 });
    expect(String(saved.home?.updated_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    // Form encoding, both timelines at once.
    const second = await api("/api/v1/markers", {
      token: me.token,
      method: "POST",
      form: { "home[last_read_id]": "105", "notifications[last_read_id]": "7" },
    });
    expect(second.status).toBe(200);
    const both = await markers(me.token);
    expect(both.home).toMatchObject({ last_read_id: "105", version: 1 });
    expect(both.notifications).toMatchObject({ last_read_id: "7", version: 0 });

    // The same position again changes nothing.
    await api("/api/v1/markers", { token: me.token, method: "POST", json: { home: { last_read_id: "105" } } });
    expect((await markers(me.token)).home).toMatchObject({ version: 1 });
    await api("/api/v1/markers", { token: me.token, method: "POST", json: { home: { last_read_id: "110" } } });
    expect((await markers(me.token)).home).toMatchObject({ last_read_id: "110", version: 2 });

    // Only the timelines asked for; none asked is an empty object.
    expect(Object.keys(await markers(me.token, "?timeline[]=notifications"))).toEqual(["notifications"]);
    expect(await markers(me.token, "")).toEqual({});
    // Markers are per user.
    expect(await markers((await createTestUser()).token)).toEqual({});
  });

  it("rejects a blank or non-numeric last_read_id with 422 and saves nothing", async () => {
    const me = await createTestUser();
    await expectError(
      await api("/api/v1/markers", { token: me.token, method: "POST", json: { home: { last_read_id: "" } } }),
      422,
      "Validation failed: Last read can't be blank",
    );
    await expectError(
      await api("/api/v1/markers", {
        token: me.token,
        method: "POST",
        json: { notifications: { last_read_id: "5" }, home: { last_read_id: "abc" } },
      }),
      422,
      "Validation failed: Last read is not a number",
    );
    expect(await count("SELECT count(*) AS n FROM markers WHERE account_id = ?", me.account.id)).toBe(0);
  });

  it("needs read:statuses to read and write:statuses to save", async () => {
    const reader = await createTestUser({ scopes: "read" });
    await expectError(
      await api("/api/v1/markers", { token: reader.token, method: "POST", json: { home: { last_read_id: "1" } } }),
      403,
      "This action is outside the authorized scopes",
    );
    await expectError(await api("/api/v1/markers"), 401);
  });
});
