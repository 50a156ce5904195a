import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totpAt, totpStep } from "./totp";

const RFC_SECRET = new TextEncoder().encode("12345678901234567890");

describe("hotp", () => {
  it("produces the RFC 4226 appendix D values", async () => {
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    const actual = await Promise.all(expected.map((_, counter) => hotp(RFC_SECRET, counter)));
    expect(actual).toEqual(expected);
  });
});

describe("totp", () => {
  it("produces the RFC 6238 appendix B SHA1 values", async () => {
    const vectors: Array<[number, string]> = [
      [59, "94287082"],
      [1111111109, "07081804"],
      [1111111111, "14050471"],
      [1234567890, "89005924"],
      [2000000000, "69279037"],
      [20000000000, "65353130"],
    ];
    for (const [seconds, code] of vectors) {
      expect(await totpAt(RFC_SECRET, seconds * 1000, 8)).toBe(code);
    }
  });

  it("uses 30-second steps", () => {
    expect(totpStep(59_000)).toBe(1);
    expect(totpStep(1111111109_000)).toBe(0x23523ec);
    expect(totpStep(20000000000_000)).toBe(0x27bc86aa);
  });

  it("keeps the last 6 digits by default", async () => {
    expect(await totpAt(RFC_SECRET, 59_000)).toBe("287082");
  });
});

describe("matchTotp", () => {
  const now = 1_700_000_000_000;
  const step = totpStep(now);

  it("accepts the current step and one step either side", async () => {
    for (const offset of [-1, 0, 1]) {
      const code = await hotp(RFC_SECRET, step + offset);
      expect(await matchTotp(RFC_SECRET, code, now)).toBe(step + offset);
    }
  });

  it("refuses codes two steps away", async () => {
    expect(await matchTotp(RFC_SECRET, await hotp(RFC_SECRET, step - 2), now)).toBeUndefined();
    expect(await matchTotp(RFC_SECRET, await hotp(RFC_SECRET, step + 2), now)).toBeUndefined();
  });

  it("refuses a step at or before the last one accepted", async () => {
    const code = await hotp(RFC_SECRET, step);
    expect(await matchTotp(RFC_SECRET, code, now, { lastStep: step })).toBeUndefined();
    expect(await matchTotp(RFC_SECRET, code, now, { lastStep: step + 1 })).toBeUndefined();
    expect(await matchTotp(RFC_SECRET, code, now, { lastStep: step - 1 })).toBe(step);
  });

  it("refuses anything that is not six digits", async () => {
    const code = await hotp(RFC_SECRET, step);
    expect(await matchTotp(RFC_SECRET, ` ${code}`, now)).toBeUndefined();
    expect(await matchTotp(RFC_SECRET, `${code}0`, now)).toBeUndefined();
    expect(await matchTotp(RFC_SECRET, "", now)).toBeUndefined();
  });
});

describe("base32", () => {
  it("encodes the RFC secret as authenticator apps expect", () => {
    expect(base32Encode(RFC_SECRET)).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  });

  it("matches the RFC 4648 test vectors without padding", () => {
    const vectors: Array<[string, string]> = [
      ["", ""],
      ["f", "MY"],
      ["fo", "MZXQ"],
      ["foo", "MZXW6"],
      ["foob", "MZXW6YQ"],
      ["fooba", "MZXW6YTB"],
      ["foobar", "MZXW6YTBOI"],
    ];
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(new TextEncoder().encode(plain))).toBe(encoded);
      expect(new TextDecoder().decode(base32Decode(encoded))).toBe(plain);
    }
  });

  it("decodes lower case, spaces and padding, and rejects other characters", () => {
    expect(base32Decode("mzxw 6ytb oi======")).toEqual(new TextEncoder().encode("foobar"));
    expect(() => base32Decode("MZXW1")).toThrow();
  });

  it("round-trips random 20-byte seeds", () => {
    const seed = crypto.getRandomValues(new Uint8Array(20));
    expect(base32Decode(base32Encode(seed))).toEqual(seed);
  });
});

describe("otpauthUri", () => {
  it("builds the key URI with an encoded label and issuer", () => {
    expect(otpauthUri({ secretBase32: "JBSWY3DPEHPK3PXP", issuer: "My Petrel", accountName: "alice@petrel.test" })).toBe(
      "otpauth://totp/My%20Petrel:alice%40petrel.test?secret=JBSWY3DPEHPK3PXP&issuer=My%20Petrel&algorithm=SHA1&digits=6&period=30",
    );
  });
});
