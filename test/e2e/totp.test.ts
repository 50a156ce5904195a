/** The test-side TOTP the two-factor e2e tests type in, checked against RFC 6238's published vectors. */
import { describe, expect, it } from "vitest";
import { base32Decode, hotp, totp, totpStep } from "./helpers/totp";

// RFC 6238 appendix B, SHA-1: the ASCII secret "12345678901234567890"; the 6-digit codes are the last six digits.
const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("test TOTP helper", () => {
  it("decodes base32 as RFC 4648 does", () => {
    expect(base32Decode(SECRET).toString("ascii")).toBe("12345678901234567890");
    expect(base32Decode("mzxw6ytb oi======").toString("ascii")).toBe("foobar");
  });

  it("computes the RFC 6238 SHA-1 test vectors", () => {
    expect(totp(SECRET, 59_000)).toBe("287082");
    expect(totp(SECRET, 1_111_111_109_000)).toBe("081804");
    expect(totp(SECRET, 1_234_567_890_000)).toBe("005924");
    expect(totp(SECRET, 20_000_000_000_000)).toBe("353130");
    expect(hotp(SECRET, totpStep(59_000))).toBe("287082");
  });
});
