/** Server-sent events: the same events as `event:` / `data:` lines, and the refusals as JSON errors. */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relate, users } from "../feeds/helpers";
import { api, BASE } from "../helpers/fixtures";
import { postStatus } from "./helpers";

/** Reads the body until `text` contains `pattern`; returns what was read and cancels the stream. */
async function readUntil(res: Response, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) throw new Error("no body");
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  try {
    let pending = reader.read();
    while (!pattern.test(text)) {
      if (Date.now() > deadline) throw new Error(`pattern not seen; got ${JSON.stringify(text)}`);
      const tick = new Promise<"tick">((r) => setTimeout(() => r("tick"), 250));
      const chunk = await Promise.race([pending, tick]);
      if (chunk === "tick") continue;
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      pending = reader.read();
    }
    pending.catch(() => undefined);
    return text;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

describe("GET /api/v1/streaming/<stream> (server-sent events)", { timeout: 30_000 }, () => {
  it("streams user events as event/data lines", async () => {
    const [author, viewer] = await users(2);
    if (!author || !viewer) throw new Error("users");
    await relate(viewer, author.account.id, "follow");
    const res = await SELF.fetch(`${BASE}/api/v1/streaming/user?access_token=${viewer.token}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    await new Promise((r) => setTimeout(r, 300));
    const id = await postStatus(author.token, { status: "over sse" });
    const filter = await api("/api/v2/filters", {
      token: viewer.token,
      json: { title: "sse", context: ["home"], keywords_attributes: [{ keyword: "x" }] },
    });
    expect(filter.status).toBe(200);
    const text = await readUntil(res, /event: filters_changed\n/);
    expect(text.startsWith(":)\n")).toBe(true);
    const update = /event: update\ndata: (.+)\n\n/.exec(text);
    expect(JSON.parse(update?.[1] ?? "{}").id).toBe(id);
    expect(text).toContain("event: filters_changed\ndata: \n\n");
  });

  it("streams public posts to anonymous readers, with only_media and hashtag variants", async () => {
    const [author] = await users(1);
    if (!author) throw new Error("users");
    const res = await SELF.fetch(`${BASE}/api/v1/streaming/hashtag/local?tag=SseTag`);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    await postStatus(author.token, { status: "untagged" });
    const id = await postStatus(author.token, { status: "tagged #ssetag" });
    const text = await readUntil(res, /event: update\n/);
    const updates = [...text.matchAll(/event: update\ndata: (.+)\n\n/g)].map((m) => JSON.parse(m[1] ?? "{}").id);
    expect(updates).toEqual([id]);
  });

  it("refuses what Mastodon refuses, with its messages", async () => {
    const cases: Array<[string, number, string]> = [
      ["/api/v1/streaming/user", 401, "Missing access token"],
      ["/api/v1/streaming/user?access_token=bogus", 401, "Invalid access token"],
      ["/api/v1/streaming/hashtag", 400, "Missing tag name parameter"],
      ["/api/v1/streaming/list", 400, "Missing list name parameter"],
      ["/api/v1/streaming/list?list=1", 401, "Missing access token"],
      ["/api/v1/streaming/bogus", 404, "Unknown stream type"],
    ];
    for (const [path, status, error] of cases) {
      const res = await SELF.fetch(`${BASE}${path}`);
      expect(res.status, path).toBe(status);
      expect(await res.json()).toEqual({ error });
    }
    const [owner, other] = await users(2);
    if (!owner || !other) throw new Error("users");
    const created = await api("/api/v1/lists", { token: owner.token, json: { title: "mine" } });
    const list = ((await created.json()) as { id: string }).id;
    const res = await SELF.fetch(`${BASE}/api/v1/streaming/list?list=${list}`, {
      headers: { authorization: `Bearer ${other.token}` },
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Not authorized to stream this list" });
  });
});
