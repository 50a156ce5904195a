import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { isFanoutMessage } from "../../src/queue/fanout";
import { fetchPageDetails, parsePage } from "../../src/services/preview-card-fetch";
import { CARD_REFETCH_MS, cardsFor, firstCardLink, requestStatusCard, syncStatusCard } from "../../src/services/preview-cards";
import { api, config, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { rows } from "../lists/helpers";
import { post } from "../statuses/helpers";
import { ARTICLE, fakeNetwork, html, link, statusWithContent, withMastodonEmptyUrls } from "./helpers";

const production = () =>
  loadConfig({ ...env, ENVIRONMENT: "production", LOCAL_DOMAIN: "petrel.example", WEB_DOMAIN: "", REGISTRATIONS_MODE: "open" });

describe("reading a page's preview", () => {
  it("takes OpenGraph tags first, resolves the image against the page, and reads the rest", async () => {
    const d = await parsePage(ARTICLE, "https://news.example/2026/article");
    expect(d).toEqual({
      title: 'A "great" article',
      description: "What happened today.",
      imageUrl: "https://news.example/images/cover.jpg",
      imageDescription: "A cover",
      width: 1200,
      height: 630,
      providerName: "News Example",
      authorName: "Jane Doe",
      authorUrl: "",
      language: "en",
      publishedAt: Date.UTC(2026, 2, 4, 5, 6, 7),
    });
  });

  it("falls back to Twitter card tags, then <title> and the meta description", async () => {
    const twitter = await parsePage(
      `<html><head><title>T</title><meta name="twitter:title" content="Tw title"><meta name="twitter:image" content="https://cdn.example/i.png"><meta name="description" content="Plain description"></head></html>`,
      "https://x.example/",
    );
    expect(twitter).toMatchObject({ title: "Tw title", description: "Plain description", imageUrl: "https://cdn.example/i.png" });
    const plain = await parsePage(
      "<html><head><title>\n  Just &amp; a title </title></head><body><title>second</title></body></html>",
      "https://x.example/",
    );
    expect(plain).toMatchObject({ title: "Just & a title", description: "", imageUrl: null, language: null });
  });
});

describe("which link gets a card", () => {
  it("is the first link that is not a mention, a hashtag or a link to this server", async () => {
    const content =
      `<p><span class="h-card"><a href="https://remote.example/@bob" class="u-url mention">@<span>bob</span></a></span> ` +
      `<a href="http://petrel.test/tags/news" class="mention hashtag" rel="tag">#<span>news</span></a> ` +
      `<a href="http://petrel.test/@alice/1">mine</a> <a href="mailto:a@b.example">mail</a> ` +
      `${link("https://news.example/a")} ${link("https://other.example/b")}</p>`;
    expect(await firstCardLink(config(), content)).toBe("https://news.example/a");
    expect(await firstCardLink(config(), "<p>no links here</p>")).toBeNull();
  });
});

describe("storing and showing cards", () => {
  it("fetches the page once, stores the card and shows it on the status, in timelines and inside boosts", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const url = `https://news.example/${uniqueName("a")}`;
    const net = fakeNetwork({ [url]: html(ARTICLE) });
    const id = await statusWithContent(alice, `<p>Read this ${link(url)}</p>`);
    await syncStatusCard(db(), config(), id, net.fetcher);
    expect(net.calls).toEqual([url]);

    const res = await api(`/api/v1/statuses/${id}`, { token: bob.token });
    const status = (await res.json()) as { card: Record<string, unknown> | null };
    expect(res.status).toBe(200);
    expectEntity("Status", withMastodonEmptyUrls(status));
    expectEntity("PreviewCard", withMastodonEmptyUrls({ card: status.card }).card);
    expect(status.card).toMatchObject({
      url,
      title: 'A "great" article',
      description: "What happened today.",
      type: "link",
      image: "https://news.example/images/cover.jpg",
      width: 1200,
      height: 630,
      provider_name: "News Example",
      author_name: "Jane Doe",
      authors: [{ name: "Jane Doe", url: "", account: null }],
      published_at: "2026-03-04T05:06:07.000Z",
      html: "",
      blurhash: null,
    });

    // A second status with the same link reuses the stored card without fetching.
    const again = await statusWithContent(bob, `<p>${link(url)}</p>`);
    await syncStatusCard(db(), config(), again, net.fetcher);
    expect(net.calls).toHaveLength(1);
    expect(await rows("SELECT id FROM preview_cards WHERE url = ?", url)).toHaveLength(1);
    expect((await cardsFor(db(), [id, again])).size).toBe(2);

    // Boosting keeps the card on the boosted status.
    const boost = await api(`/api/v1/statuses/${id}/reblog`, { token: bob.token, method: "POST" });
    const boosted = (await boost.json()) as { reblog: { card: unknown } };
    expect(boost.status).toBe(200);
    expectEntity("Status", withMastodonEmptyUrls(boosted));
    expect(boosted.reblog.card).toMatchObject({ url });

    const timeline = await api(`/api/v1/accounts/${alice.account.id}/statuses`, { token: bob.token });
    const list = (await timeline.json()) as Array<{ id: string; card: unknown }>;
    expectEntity("Status", withMastodonEmptyUrls(list), { array: true });
    expect(list.find((s) => s.id === String(id))?.card).toMatchObject({ url });
  });

  it("fetches a URL again once its card is a day old", async () => {
    const alice = await createTestUser();
    const url = `https://news.example/${uniqueName("b")}`;
    const net = fakeNetwork({ [url]: html(ARTICLE) });
    const now = Date.now();
    await syncStatusCard(db(), config(), await statusWithContent(alice, link(url)), net.fetcher, now);
    await syncStatusCard(db(), config(), await statusWithContent(alice, link(url)), net.fetcher, now + CARD_REFETCH_MS - 1000);
    expect(net.calls).toHaveLength(1);
    await syncStatusCard(db(), config(), await statusWithContent(alice, link(url)), net.fetcher, now + CARD_REFETCH_MS + 1000);
    expect(net.calls).toHaveLength(2);
  });

  it("drops the card when an edit removes the link, and gives no card to pages without a title", async () => {
    const alice = await createTestUser();
    const url = `https://news.example/${uniqueName("c")}`;
    const bare = `https://bare.example/${uniqueName("d")}`;
    const net = fakeNetwork({ [url]: html(ARTICLE), [bare]: html("<html><body>no head</body></html>") });
    const id = await statusWithContent(alice, `<p>${link(url)}</p>`);
    await syncStatusCard(db(), config(), id, net.fetcher);
    expect((await cardsFor(db(), [id])).size).toBe(1);

    await env.DB.prepare("UPDATE statuses SET content = '<p>edited, no link</p>' WHERE id = ?").bind(id).run();
    await syncStatusCard(db(), config(), id, net.fetcher);
    expect(await rows("SELECT status_id FROM preview_card_statuses WHERE status_id = ?", id)).toEqual([]);
    const shown = (await (await api(`/api/v1/statuses/${id}`, { token: alice.token })).json()) as { card: unknown };
    expect(shown.card).toBeNull();

    const titleless = await statusWithContent(alice, `<p>${link(bare)}</p>`);
    await syncStatusCard(db(), config(), titleless, net.fetcher);
    expect((await cardsFor(db(), [titleless])).size).toBe(0);
    // The empty result is remembered, so the page is not fetched again for the next status.
    await syncStatusCard(db(), config(), await statusWithContent(alice, `<p>${link(bare)}</p>`), net.fetcher);
    expect(net.calls.filter((u) => u === bare)).toHaveLength(1);
  });
});

describe("deleting a status", () => {
  it("drops its link to the card through the FANOUT queue, and keeps the card", { timeout: 20_000 }, async () => {
    const alice = await createTestUser();
    const url = `https://news.example/${uniqueName("e")}`;
    const net = fakeNetwork({ [url]: html(ARTICLE) });
    // Written without fanout, so no real fetch races the fake network.
    const id = await statusWithContent(alice, `<p>${link(url)}</p>`);
    await syncStatusCard(db(), config(), id, net.fetcher);
    expect(await rows("SELECT status_id FROM preview_card_statuses WHERE status_id = ?", id)).toHaveLength(1);
    const res = await api(`/api/v1/statuses/${id}`, { token: alice.token, method: "DELETE" });
    expect(res.status).toBe(200);
    let left: unknown[] = [1];
    for (let i = 0; i < 150 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await rows("SELECT status_id FROM preview_card_statuses WHERE status_id = ?", id);
    }
    expect(left).toEqual([]);
    expect(await rows("SELECT title FROM preview_cards WHERE url = ?", url)).toHaveLength(1);
  });
});

describe("fetch limits", () => {
  it("refuses private addresses outside development, also behind a redirect", async () => {
    const net = fakeNetwork({
      "https://redirect.example/": () => new Response(null, { status: 302, headers: { location: "https://10.0.0.5/admin" } }),
    });
    expect(await fetchPageDetails(net.fetcher, production(), "https://127.0.0.1/")).toMatchObject({ ok: false });
    const redirected = await fetchPageDetails(net.fetcher, production(), "https://redirect.example/");
    expect(redirected).toEqual({ ok: false, reason: "private or reserved address: https://10.0.0.5/admin" });
    expect(net.calls).toEqual(["https://redirect.example/"]);
  });

  it("reads HTML only, follows at most three redirects, and gives up after the timeout", async () => {
    const loop: Record<string, () => Response> = {};
    for (let i = 0; i < 5; i++)
      loop[`https://r.example/${i}`] = () => new Response(null, { status: 301, headers: { location: `/${i + 1}` } });
    const net = fakeNetwork({
      ...loop,
      "https://img.example/cat.png": () => new Response("png", { headers: { "content-type": "image/png" } }),
    });
    expect(await fetchPageDetails(net.fetcher, production(), "https://img.example/cat.png")).toEqual({
      ok: false,
      reason: "not HTML: image/png",
    });
    expect(await fetchPageDetails(net.fetcher, production(), "https://r.example/0")).toEqual({
      ok: false,
      reason: "more than 3 redirects",
    });
    const hang = (_: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    expect(await fetchPageDetails(hang, production(), "https://slow.example/", 50)).toEqual({ ok: false, reason: "timed out" });
  });

  it("reads only the first megabyte of a page", async () => {
    const head = '<html><head><meta property="og:title" content="Early title">';
    const padding = `<!--${"x".repeat(1_100_000)}-->`;
    const late = '<meta property="og:description" content="Too late"></head></html>';
    let pulled = 0;
    const net = fakeNetwork({
      "https://big.example/": () => {
        const chunks = [head, padding, late].map((s) => new TextEncoder().encode(s));
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            const next = chunks.shift();
            if (next) {
              pulled += next.byteLength;
              controller.enqueue(next);
            } else controller.close();
          },
        });
        return new Response(body, { headers: { "content-type": "text/html" } });
      },
    });
    const result = await fetchPageDetails(net.fetcher, production(), "https://big.example/");
    expect(result).toMatchObject({ ok: true, details: { title: "Early title", description: "" } });
    expect(pulled).toBeLessThan(1_200_000);
  });
});

describe("the status.card message", () => {
  it("is enqueued for statuses with a link (and for ones that had a card), not for others", async () => {
    const alice = await createTestUser();
    const sent: unknown[] = [];
    const queue = { send: async (body: unknown) => void sent.push(body) } as unknown as Queue;
    const linked = await statusWithContent(alice, `<p>${link("https://news.example/q")}</p>`);
    const plain = await statusWithContent(alice, "<p>no link</p>");
    await requestStatusCard(queue, db(), config(), linked);
    await requestStatusCard(queue, db(), config(), plain);
    expect(sent).toEqual([{ type: "status.card", v: 1, statusId: linked }]);
    expect(isFanoutMessage(sent[0])).toBe(true);
    // An edit that removed the link still needs the message, to drop the card.
    await env.DB.prepare(
      "INSERT INTO preview_card_statuses (status_id, preview_card_id, url) VALUES (?, 1, 'https://gone.example/')",
    )
      .bind(plain)
      .run();
    await requestStatusCard(queue, db(), config(), plain);
    expect(sent).toEqual([
      { type: "status.card", v: 1, statusId: linked },
      { type: "status.card", v: 1, statusId: plain },
    ]);
  });

  it("runs from posting through the FANOUT queue", { timeout: 20_000 }, async () => {
    const alice = await createTestUser();
    // Plain http to a public name is refused before any network use; the attempt is remembered.
    const url = `http://cards.example/${uniqueName("p")}`;
    const status = await post(alice, `Look ${url}`);
    expect((status as unknown as { card: unknown }).card).toBeNull();
    let stored: unknown[] = [];
    for (let i = 0; i < 150 && stored.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stored = await rows("SELECT title FROM preview_cards WHERE url = ?", url);
    }
    expect(stored).toEqual([{ title: "" }]);
  });
});
