import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError } from "../relationships/helpers";
import { getJson } from "./helpers";

const DEFAULTS = {
  for_not_following: "accept",
  for_not_followers: "accept",
  for_new_accounts: "accept",
  for_private_mentions: "filter",
  for_limited_accounts: "filter",
  summary: { pending_requests_count: 0, pending_notifications_count: 0 },
};

describe("notification policy", () => {
  it("starts at Mastodon's defaults (v2 and v1 shapes)", async () => {
    const me = await createTestUser();
    const v2 = await getJson("/api/v2/notifications/policy", me.token);
    expectEntity("NotificationPolicy", v2);
    expect(v2).toEqual(DEFAULTS);
    const v1 = await getJson("/api/v1/notifications/policy", me.token);
    expect(v1).toEqual({
      filter_not_following: false,
      filter_not_followers: false,
      filter_new_accounts: false,
      filter_private_mentions: true,
      summary: { pending_requests_count: 0, pending_notifications_count: 0 },
    });
  });

  it("PATCH v2 changes only the fields given (JSON and form); PUT works too", async () => {
    const me = await createTestUser();
    const res = await api("/api/v2/notifications/policy", {
      token: me.token,
      method: "PATCH",
      json: { for_not_following: "drop", for_new_accounts: "filter" },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expectEntity("NotificationPolicy", body);
    expect(body).toEqual({ ...DEFAULTS, for_not_following: "drop", for_new_accounts: "filter" });

    const form = await api("/api/v2/notifications/policy", {
      token: me.token,
      method: "PUT",
      form: { for_private_mentions: "accept" },
    });
    expect(await form.json()).toMatchObject({
      for_not_following: "drop",
      for_new_accounts: "filter",
      for_private_mentions: "accept",
    });
    // v1 reads anything but accept as filtering.
    expect(await getJson("/api/v1/notifications/policy", me.token)).toMatchObject({
      filter_not_following: true,
      filter_new_accounts: true,
      filter_private_mentions: false,
    });
  });

  it("PUT v1 takes booleans: true is filter, false accept", async () => {
    const me = await createTestUser();
    const res = await api("/api/v1/notifications/policy", {
      token: me.token,
      method: "PUT",
      form: { filter_not_followers: "true", filter_private_mentions: "false" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      filter_not_followers: true,
      filter_private_mentions: false,
      filter_not_following: false,
    });
    expect(await getJson("/api/v2/notifications/policy", me.token)).toMatchObject({
      for_not_followers: "filter",
      for_private_mentions: "accept",
      for_limited_accounts: "filter",
    });
  });

  it("refuses an unknown action with 422 and changes nothing", async () => {
    const me = await createTestUser();
    const res = await api("/api/v2/notifications/policy", {
      token: me.token,
      method: "PATCH",
      json: { for_not_following: "drop", for_not_followers: "block" },
    });
    await expectError(res, 422, "'block' is not a valid for_not_followers");
    expect(await getJson("/api/v2/notifications/policy", me.token)).toEqual(DEFAULTS);
    expect(await count("SELECT count(*) AS n FROM notification_policies WHERE account_id = ?", me.account.id)).toBe(0);
  });

  it("needs a user token with read/write:notifications", async () => {
    const readOnly = await createTestUser({ scopes: "read" });
    await expectError(await api("/api/v2/notifications/policy"), 401);
    await expectError(await api("/api/v1/notifications/policy"), 401);
    expect((await api("/api/v2/notifications/policy", { token: readOnly.token })).status).toBe(200);
    await expectError(
      await api("/api/v2/notifications/policy", { token: readOnly.token, method: "PATCH", json: { for_not_following: "drop" } }),
      403,
      "This action is outside the authorized scopes",
    );
    await expectError(
      await api("/api/v1/notifications/policy", { token: readOnly.token, method: "PUT", json: { filter_not_following: true } }),
      403,
    );
    expect(await getJson("/api/v2/notifications/policy", readOnly.token)).toEqual(DEFAULTS);
  });
});
