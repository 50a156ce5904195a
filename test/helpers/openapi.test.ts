import { describe, expect, it } from "vitest";
import { expectEntity } from "./openapi";

describe("openapi entity validation", () => {
  it("accepts a valid Error and rejects one without its required field", () => {
    expectEntity("Error", { error: "Record not found" });
    expect(() => expectEntity("Error", { message: "nope" })).toThrow(/not a valid Error/);
  });

  it("rejects a Token whose created_at is not a number", () => {
    expect(() =>
      expectEntity("Token", { access_token: "x", token_type: "Bearer", scope: "read", created_at: "yesterday" }),
    ).toThrow(/created_at/);
  });
});
