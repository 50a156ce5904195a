/** Drive the app with different instance settings than the test project's (split domains, modes). */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { createApp } from "../../src/app";

export async function fetchWithEnv(
  url: string,
  vars: Partial<Record<"LOCAL_DOMAIN" | "WEB_DOMAIN" | "ENVIRONMENT" | "REGISTRATIONS_MODE" | "CONTACT_EMAIL", string>>,
  init: RequestInit = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(new Request(url, init), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Production-like split domains: handles @user@example.com, served from social.example.com. */
export const SPLIT_DOMAINS = { LOCAL_DOMAIN: "example.com", WEB_DOMAIN: "social.example.com", ENVIRONMENT: "production" };
