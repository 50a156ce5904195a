import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { api, createTestUser, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

describe("GET /api/v1/preferences", () => {
  it("returns Mastodon's defaults for a new user", async () => {
    const { token } = await createTestUser();
    const res = await api("/api/v1/preferences", { token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await res.json();
    expectEntity("Preferences", body);
    expect(body).toEqual({
      "posting:default:visibility": "public",
      "posting:default:sensitive": false,
      "posting:default:language": null,
      "posting:default:quote_policy": "public",
      "reading:expand:media": "default",
      "reading:expand:spoilers": false,
      "reading:autoplay:gifs": false,
    });
  });

  it("reflects the user's settings", async () => {
    const { token, user } = await createTestUser();
    await db()
      .update(users)
      .set({
        settings: {
          defaultPrivacy: "private",
          defaultSensitive: true,
          defaultLanguage: "de",
          defaultQuotePolicy: "followers",
          expandMedia: "show_all",
          expandSpoilers: true,
          autoplayGifs: true,
        },
      })
      .where(eq(users.id, user.id));
    const body = await (await api("/api/v1/preferences", { token })).json();
    expectEntity("Preferences", body);
    expect(body).toEqual({
      "posting:default:visibility": "private",
      "posting:default:sensitive": true,
      "posting:default:language": "de",
      "posting:default:quote_policy": "followers",
      "reading:expand:media": "show_all",
      "reading:expand:spoilers": true,
      "reading:autoplay:gifs": true,
    });
  });

  it("accepts the granular read:accounts scope", async () => {
    const { token } = await createTestUser({ scopes: "read:accounts" });
    expect((await api("/api/v1/preferences", { token })).status).toBe(200);
  });

  it("answers 401 without a token", async () => {
    const res = await api("/api/v1/preferences");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: "The access token is invalid" });
  });

  it("answers 403 to a token without a read scope", async () => {
    const { token } = await createTestUser({ scopes: "write follow" });
    const res = await api("/api/v1/preferences", { token });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ error: "This action is outside the authorized scopes" });
  });
});

describe("GET /api/v1/custom_emojis", () => {
  it("returns the list of custom emoji without a token", async () => {
    const res = await api("/api/v1/custom_emojis");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await res.json();
    expectEntity("CustomEmoji", body, { array: true });
    // Other test files may have imported emoji (test/media/custom-emoji.test.ts covers the contents).
    expect(Array.isArray(body)).toBe(true);
  });
});
