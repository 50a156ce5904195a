import { describe, expect, it } from "vitest";
import { safeReturnTo, signInUrl } from "../../src/web/return-to";

describe("safeReturnTo", () => {
  it.each(["/settings", "/oauth/authorize?client_id=abc&redirect_uri=urn%3Aietf", "/@alice", "/settings#two"])(
    "keeps the same-site path %j",
    (value) => {
      expect(safeReturnTo(value)).toBe(value);
    },
  );

  it.each([
    undefined,
    "",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/settings",
    "http:/evil.example",
    "javascript:alert(1)",
    "settings",
    "/\t/evil.example",
    "/\n/evil.example",
    " /settings",
    `/${"a".repeat(3000)}`,
  ])("falls back for %j", (value) => {
    expect(safeReturnTo(value)).toBe("/settings");
  });

  it("uses the given fallback", () => {
    expect(safeReturnTo("//x", "/home")).toBe("/home");
  });
});

describe("signInUrl", () => {
  it("omits the default and encodes the rest", () => {
    expect(signInUrl("/settings")).toBe("/auth/sign_in");
    expect(signInUrl("/oauth/authorize?a=1&b=2")).toBe("/auth/sign_in?return_to=%2Foauth%2Fauthorize%3Fa%3D1%26b%3D2");
  });
});
