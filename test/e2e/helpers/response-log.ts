/**
 * Records the raw responses a client library (masto.js, which calls the global `fetch`) received, so
 * tests can check the JSON as the server sent it (snake_case, before the client camelizes it) against
 * Mastodon's OpenAPI entities.
 *
 * Install it once per test file (it patches `globalThis.fetch` of that worker only) and uninstall it
 * in afterAll. Calls made while recording should run one after another, so `since(mark)` belongs to
 * one action.
 */

export interface RecordedResponse {
  method: string;
  url: URL;
  status: number;
  headers: Headers;
  /** The parsed body when the server answered JSON; undefined otherwise. */
  body: unknown;
}

function requestLine(input: RequestInfo | URL, init?: RequestInit): { method: string; url: URL } {
  if (input instanceof Request) return { method: input.method, url: new URL(input.url) };
  return { method: (init?.method ?? "GET").toUpperCase(), url: new URL(String(input)) };
}

export class ResponseLog {
  private readonly entries: RecordedResponse[] = [];
  private original: typeof fetch | undefined;

  install(): void {
    if (this.original) return;
    const original = globalThis.fetch;
    this.original = original;
    globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const { method, url } = requestLine(input, init);
      const response = await original(input, init);
      let body: unknown;
      if ((response.headers.get("content-type") ?? "").includes("json")) {
        const text = await response.clone().text();
        try {
          body = text === "" ? undefined : JSON.parse(text);
        } catch {
          body = undefined;
        }
      }
      this.entries.push({ method, url, status: response.status, headers: response.headers, body });
      return response;
    };
  }

  uninstall(): void {
    if (this.original) globalThis.fetch = this.original;
    this.original = undefined;
  }

  /** A position in the log, for `since`. */
  mark(): number {
    return this.entries.length;
  }

  /** The responses recorded after `mark`. */
  since(mark: number): RecordedResponse[] {
    return this.entries.slice(mark);
  }

  /** The last response recorded after `mark`; fails when there is none. */
  lastSince(mark: number): RecordedResponse {
    const last = this.entries.at(-1);
    if (last === undefined || this.entries.length <= mark) throw new Error("no response was recorded");
    return last;
  }
}
