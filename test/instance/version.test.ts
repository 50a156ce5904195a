import { describe, expect, it } from "vitest";
import pkg from "../../package.json";
import { API_VERSION_MASTODON, MASTODON_COMPATIBLE_VERSION, PETREL_VERSION, VERSION_STRING } from "../../src/version";

describe("version strings", () => {
  it("keeps Petrel's version in step with package.json", () => {
    expect(PETREL_VERSION).toBe(pkg.version);
  });

  it("starts with a Mastodon version whose minor is one digit (Ice Cubes reads the first three characters)", () => {
    expect(MASTODON_COMPATIBLE_VERSION).toMatch(/^4\.\d\.\d+$/);
    expect(VERSION_STRING).toBe(`${MASTODON_COMPATIBLE_VERSION} (compatible; Petrel ${PETREL_VERSION})`);
    expect(Number.parseFloat(VERSION_STRING.slice(0, 3))).toBeCloseTo(4.5);
  });

  it("advertises API level 7: quote posts (test/quotes) on top of levels 3–6 (test/api-levels), not the 4.6 profile API", () => {
    expect(API_VERSION_MASTODON).toBe(7);
  });
});
