/** Shared setup for the quote tests. */
import { expect } from "vitest";
import type { TestUser } from "../helpers/fixtures";
import { post, type StatusJson } from "../statuses/helpers";

export interface QuoteJson {
  state: string;
  quoted_status?: QuoteStatus | null;
  quoted_status_id?: string | null;
}

export interface QuoteStatus extends StatusJson {
  quote: QuoteJson | null;
  quote_approval?: { automatic: string[]; manual: string[]; current_user: string };
  quotes_count?: number;
}

export async function say(user: TestUser, body: Record<string, unknown> | string): Promise<QuoteStatus> {
  return (await post(user, body)) as QuoteStatus;
}

export async function quote(user: TestUser, quotedId: string, text: string, extra: Record<string, unknown> = {}) {
  return say(user, { status: text, quoted_status_id: quotedId, ...extra });
}

export function quoteOf(status: QuoteStatus): QuoteJson {
  expect(status.quote, `status ${status.id} has no quote`).toBeTruthy();
  return status.quote as QuoteJson;
}
