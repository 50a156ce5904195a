/** Shared setup for the accounts tests: app tokens, per-test client IPs, and direct reads of D1. */
import { createExecutionContext, env, SELF } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import { createApp } from "../../src/app";
import { accounts, users } from "../../src/db/schema";
import { issueAccessToken } from "../../src/oauth/tokens";
import { api, BASE, config, createTestApp, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

/** A client_credentials token, the kind `POST /api/v1/accounts` demands. */
export async function appToken(scopes = "read write follow push"): Promise<string> {
  const app = await createTestApp({ scopes });
  const issued = await issueAccessToken(db(), config(), { applicationId: app.id, userId: null, scopes: scopes.split(" ") });
  return issued.accessToken;
}

/** Registration is rate-limited per IP, and test files share one database: every test gets its own IP. */
export function uniqueIp(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

export type Body = { json: unknown } | { form: Record<string, string> } | { multipart: FormData };

export function encode(body: Body): { headers: Record<string, string>; body: BodyInit } {
  if ("json" in body) return { headers: { "content-type": "application/json" }, body: JSON.stringify(body.json) };
  if ("form" in body) {
    return { headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(body.form).toString() };
  }
  return { headers: {}, body: body.multipart };
}

/** `POST /api/v1/accounts` through the real Worker. */
export function signUp(token: string | undefined, body: Body, ip = uniqueIp()): Promise<Response> {
  const encoded = encode(body);
  const headers: Record<string, string> = { ...encoded.headers, "cf-connecting-ip": ip };
  if (token) headers.authorization = `Bearer ${token}`;
  return SELF.fetch(`${BASE}/api/v1/accounts`, { method: "POST", headers, body: encoded.body });
}

/** The app with different vars (REGISTRATIONS_MODE, WEB_DOMAIN), over the same D1. */
export function fetchWithEnv(vars: Record<string, string>, path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${BASE}${path}`, init);
  return Promise.resolve(createApp().fetch(request, { ...env, ...vars }, createExecutionContext()));
}

/** `POST /api/v1/accounts` (a form) under another REGISTRATIONS_MODE than the test config's. */
export function signUpInMode(mode: string, token: string, form: Record<string, string>): Promise<Response> {
  const sent = encode({ form });
  return fetchWithEnv({ REGISTRATIONS_MODE: mode }, "/api/v1/accounts", {
    method: "POST",
    headers: { ...sent.headers, authorization: `Bearer ${token}`, "cf-connecting-ip": uniqueIp() },
    body: sent.body,
  });
}

export async function countAccounts(username: string): Promise<number> {
  const rows = await db().select({ n: sql<number>`count(*)` }).from(accounts).where(eq(accounts.acctKey, username.toLowerCase()));
  return rows[0]?.n ?? 0;
}

export async function countUsers(email: string): Promise<number> {
  const rows = await db().select({ n: sql<number>`count(*)` }).from(users).where(eq(users.email, email.toLowerCase()));
  return rows[0]?.n ?? 0;
}

/** Asserts a JSON error response and returns its body. */
export async function expectError(res: Response, status: number): Promise<{ error: string; details?: Record<string, unknown> }> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { error: string; details?: Record<string, unknown> };
  expectEntity(status === 422 && body.details ? "ValidationError" : "Error", body);
  return body;
}

/** The CredentialAccount as the server has it now (for "nothing changed" comparisons). */
export async function credentials(token: string): Promise<Record<string, unknown>> {
  const res = await api("/api/v1/accounts/verify_credentials", { token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Record<string, unknown>;
  expectEntity("CredentialAccount", body);
  return body;
}
