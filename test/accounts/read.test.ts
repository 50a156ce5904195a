import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, users } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { api, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { expectError, fetchWithEnv } from "./helpers";

interface AccountJson {
  id: string;
  username: string;
  acct: string;
  avatar: string;
  avatar_static: string;
  header: string;
  header_static: string;
  roles: Array<{ name: string }>;
}

async function expectAccount(res: Response): Promise<AccountJson> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = await res.json();
  expectEntity("Account", body);
  return body as AccountJson;
}

async function remoteAccount(): Promise<{ id: number; username: string }> {
  const username = uniqueName("far");
  const id = newId();
  const now = Date.now();
  await db()
    .insert(accounts)
    .values({
      id,
      username,
      acctKey: `${username}@remote.example`.toLowerCase(),
      domain: "remote.example",
      uri: `https://remote.example/users/${username}`,
      url: `https://remote.example/@${username}`,
      createdAt: now,
      updatedAt: now,
    });
  return { id, username };
}

describe("GET /api/v1/accounts/:id", () => {
  it("returns the Account without a token", async () => {
    const someone = await createTestUser();
    const body = await expectAccount(await api(`/api/v1/accounts/${someone.account.id}`));
    expect(body.id).toBe(String(someone.account.id));
    expect(body.acct).toBe(someone.account.username);
    expect(body.roles).toEqual([]);
  });

  it("shows a moderator's badge", async () => {
    const mod = await createTestUser({ role: "moderator" });
    const body = await expectAccount(await api(`/api/v1/accounts/${mod.account.id}`));
    expect(body.roles).toEqual([expect.objectContaining({ name: "Moderator" })]);
  });

  it("answers Record not found for unknown, non-numeric, suspended and pending accounts", async () => {
    for (const id of ["1", "abc", "12abc", "99999999999999999999"]) {
      const body = await expectError(await api(`/api/v1/accounts/${id}`), 404);
      expect(body.error).toBe("Record not found");
    }
    const suspended = await createTestUser();
    await db().update(accounts).set({ suspendedAt: Date.now() }).where(eq(accounts.id, suspended.account.id));
    await expectError(await api(`/api/v1/accounts/${suspended.account.id}`), 404);
    const pending = await createTestUser();
    await db().update(users).set({ approved: false }).where(eq(users.id, pending.user.id));
    await expectError(await api(`/api/v1/accounts/${pending.account.id}`), 404);
  });

  it("checks the scope of a token when one is sent", async () => {
    const someone = await createTestUser();
    const writer = await createTestUser({ scopes: "write" });
    await expectError(await api(`/api/v1/accounts/${someone.account.id}`, { token: writer.token }), 403);
    await expectError(await api(`/api/v1/accounts/${someone.account.id}`, { token: "bogus" }), 401);
  });
});

describe("GET /api/v1/accounts/lookup", () => {
  it("finds local accounts by every spelling of their handle", async () => {
    const someone = await createTestUser();
    const name = someone.account.username;
    for (const acct of [
      name,
      `@${name}`,
      name.toUpperCase(),
      `${name}@petrel.test`,
      `@${name}@PETREL.TEST`,
      `acct:${name}@petrel.test`,
    ]) {
      const body = await expectAccount(await api(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`));
      expect(body.id).toBe(String(someone.account.id));
    }
  });

  it("treats WEB_DOMAIN as local too", async () => {
    const someone = await createTestUser();
    const acct = encodeURIComponent(`${someone.account.username}@social.petrel.test`);
    const res = await fetchWithEnv({ WEB_DOMAIN: "social.petrel.test" }, `/api/v1/accounts/lookup?acct=${acct}`);
    const body = await expectAccount(res);
    expect(body.id).toBe(String(someone.account.id));
    expect(body.avatar.startsWith("http://social.petrel.test/")).toBe(true);
  });

  it("finds remote accounts already known, and 404s unknown remote handles", async () => {
    const far = await remoteAccount();
    const body = await expectAccount(await api(`/api/v1/accounts/lookup?acct=${far.username}@Remote.Example`));
    expect(body.acct).toBe(`${far.username}@remote.example`);
    // The same username without a domain is a local handle, which does not exist.
    await expectError(await api(`/api/v1/accounts/lookup?acct=${far.username}`), 404);
    await expectError(await api("/api/v1/accounts/lookup?acct=nobody@elsewhere.example"), 404);
  });

  it("answers 404 for missing or malformed handles", async () => {
    for (const query of ["", "?acct=", "?acct=a@b@c", "?acct=someone@"]) {
      const body = await expectError(await api(`/api/v1/accounts/lookup${query}`), 404);
      expect(body.error).toBe("Record not found");
    }
  });
});

describe("GET /api/v1/accounts?id[]=", () => {
  it("returns accounts in the order asked, skipping unknown and repeated ids", async () => {
    const [a, b, c] = [await createTestUser(), await createTestUser(), await createTestUser()];
    const far = await remoteAccount();
    const ids = [c, a, b].map((u) => u.account.id);
    const query = [ids[0], 1, "x", ids[1], far.id, ids[2], ids[1]].map((id) => `id[]=${id}`).join("&");
    const res = await api(`/api/v1/accounts?${query}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as AccountJson[];
    expectEntity("Account", body, { array: true });
    expect(body.map((x) => x.id)).toEqual([ids[0], ids[1], far.id, ids[2]].map(String));
  });

  it("accepts a single id= and no ids at all", async () => {
    const someone = await createTestUser();
    const one = (await (await api(`/api/v1/accounts?id=${someone.account.id}`)).json()) as AccountJson[];
    expect(one.map((x) => x.id)).toEqual([String(someone.account.id)]);
    const none = await api("/api/v1/accounts");
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual([]);
  });

  it("refuses more than 40 distinct ids with 422", async () => {
    const query = Array.from({ length: 41 }, (_, i) => `id[]=${i + 1}`).join("&");
    await expectError(await api(`/api/v1/accounts?${query}`), 422);
    // Repeats do not count against the limit.
    const repeated = Array.from({ length: 60 }, () => "id[]=1").join("&");
    expect((await api(`/api/v1/accounts?${repeated}`)).status).toBe(200);
  });
});

/** Walks PNG chunks, checks the signature, and inflates IDAT to prove the image decodes. */
async function decodePng(bytes: Uint8Array): Promise<{ width: number; height: number; pixels: number }> {
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    types.push(type);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
    }
    if (type === "IDAT") idat.push(data);
    offset += 12 + length;
  }
  expect(types[0]).toBe("IHDR");
  expect(types.at(-1)).toBe("IEND");
  const inflated = new Uint8Array(
    await new Response(new Blob(idat).stream().pipeThrough(new DecompressionStream("deflate"))).arrayBuffer(),
  );
  expect(inflated.length).toBe(height * (1 + width * 3));
  return { width, height, pixels: width * height };
}

describe("default avatar and header", () => {
  it("are absolute URLs that serve cacheable PNG images", async () => {
    const someone = await createTestUser();
    const body = await expectAccount(await api(`/api/v1/accounts/${someone.account.id}`));
    expect(body.avatar).toBe("http://petrel.test/avatars/original/missing.png");
    expect(body.avatar_static).toBe(body.avatar);
    expect(body.header).toBe("http://petrel.test/headers/original/missing.png");
    expect(body.header_static).toBe(body.header);

    const sizes: Array<{ width: number; height: number }> = [];
    for (const url of [body.avatar, body.header]) {
      const res = await SELF.fetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      sizes.push(await decodePng(new Uint8Array(await res.arrayBuffer())));
    }
    expect(sizes[0]?.width).toBe(sizes[0]?.height);
    expect(sizes[1]?.width).toBe((sizes[1]?.height ?? 0) * 3);
  });

  it("answer HEAD requests", async () => {
    const res = await SELF.fetch("http://petrel.test/avatars/original/missing.png", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
  });
});
