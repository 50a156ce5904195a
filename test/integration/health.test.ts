import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("health", () => {
  it("answers OK", async () => {
    const res = await SELF.fetch("http://petrel.test/health");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("OK");
  });

  it("answers unknown API routes with Mastodon's JSON 404", async () => {
    const res = await SELF.fetch("http://petrel.test/api/v1/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: "Record not found" });
  });
});
