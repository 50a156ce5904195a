/** A tiny HTTP client for the benchmark: bearer tokens, timing, and Server-Timing. */
import { parseServerTiming, type Timing } from "./stats";

export interface Timed<T> {
  status: number;
  body: T;
  e2eMs: number;
  timing: Timing;
  link: string | null;
}

export async function call<T>(
  baseUrl: string,
  path: string,
  options: { token?: string; method?: string; json?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Timed<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  }
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method: options.method ?? (body ? "POST" : "GET"),
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
    });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    throw new Error(`${options.method ?? "GET"} ${path} failed${cause}`);
  }
  const text = await res.text();
  const e2eMs = performance.now() - started;
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the error message
  }
  return {
    status: res.status,
    body: parsed as T,
    e2eMs,
    timing: parseServerTiming(res.headers.get("server-timing")),
    link: res.headers.get("link"),
  };
}

export async function expectOk<T>(promise: Promise<Timed<T>>, what: string): Promise<Timed<T>> {
  const r = await promise;
  if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
  return r;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
