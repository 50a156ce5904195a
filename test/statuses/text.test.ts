import { describe, expect, it } from "vitest";
import {
  countStatusLength,
  extractEntities,
  extractTags,
  graphemeLength,
  normalizeTag,
  renderStatusHtml,
} from "../../src/text/status-text";
import { config } from "../helpers/fixtures";

const render = (text: string, mentioned = new Map<string, { username: string; url: string }>()) =>
  renderStatusHtml(config(), text, extractEntities(text), mentioned);

describe("status text", () => {
  it("counts every URL as 23 characters and a remote mention as its username", () => {
    const url = `https://example.com/${"x".repeat(200)}`;
    expect(countStatusLength(`look ${url}`, "", 23)).toBe(5 + 23);
    expect(countStatusLength("hi @someone@a-very-long-domain.example.org", "", 23)).toBe("hi @someone".length);
    expect(countStatusLength("abc", "cw", 23)).toBe(5);
  });

  it("counts grapheme clusters, not code units", () => {
    expect(graphemeLength("👩‍👩‍👧‍👦é")).toBe(2);
    expect(countStatusLength("👍🏽👍🏽", "", 23)).toBe(2);
  });

  it("finds hashtags like Mastodon: letters required, not inside words or URLs", () => {
    const tags = extractTags(extractEntities("#Café #123 #tag_1 foo#bar #日本語 https://x.example/#anchor (#paren) #a·b·"));
    expect(tags).toEqual([
      { name: "cafe", displayName: "Café" },
      { name: "tag_1", displayName: "tag_1" },
      { name: "日本語", displayName: "日本語" },
      { name: "paren", displayName: "paren" },
      { name: "ab", displayName: "a·b" },
    ]);
    expect(normalizeTag("ÜBER")).toBe("uber");
  });

  it("renders paragraphs on blank lines and <br /> on single newlines, escaping the rest", () => {
    expect(render("one\ntwo\n\n\nthree <b>&")).toBe("<p>one<br />two</p><p>three &lt;b&gt;&amp;</p>");
    expect(render("   ")).toBe("");
  });

  it("links known local mentions, leaves unknown and remote ones as text", () => {
    const mentioned = new Map([["bob", { username: "Bob", url: "http://petrel.test/@Bob" }]]);
    expect(render("@BOB @bob@petrel.test @bob@elsewhere.example @nobody email@bob", mentioned)).toBe(
      '<p><span class="h-card" translate="no"><a href="http://petrel.test/@Bob" class="u-url mention">@<span>Bob</span></a></span> ' +
        '<span class="h-card" translate="no"><a href="http://petrel.test/@Bob" class="u-url mention">@<span>Bob</span></a></span> ' +
        "@bob@elsewhere.example @nobody email@bob</p>",
    );
  });

  it("renders hashtags and URLs in Mastodon's markup", () => {
    expect(render("#Petrel https://example.com/path")).toBe(
      '<p><a href="http://petrel.test/tags/petrel" class="mention hashtag" rel="tag">#<span>Petrel</span></a> ' +
        '<a href="https://example.com/path" target="_blank" rel="nofollow noopener" translate="no">' +
        '<span class="invisible">https://</span><span class="">example.com/path</span><span class="invisible"></span></a></p>',
    );
  });
});
