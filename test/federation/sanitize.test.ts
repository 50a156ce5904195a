/** Remote HTML keeps Mastodon's allowlist and nothing else. */
import { describe, expect, it } from "vitest";
import { sanitizeHtml } from "../../src/federation/sanitize";

describe("sanitizeHtml", () => {
  it("keeps Mastodon's markup: paragraphs, mentions, hashtags, link spans, lists, quotes, code", async () => {
    const html =
      '<p>Hi <span class="h-card"><a href="https://a.example/@x" class="u-url mention">@<span>x</span></a></span> ' +
      '<a href="https://a.example/tags/t" class="mention hashtag" rel="tag">#<span>t</span></a><br>' +
      '<a href="https://example.com/long"><span class="invisible">https://</span><span class="ellipsis">example.com</span></a></p>' +
      "<ul><li><em>a</em></li></ul><ol><li><strong>b</strong></li></ol><blockquote><p><del>c</del></p></blockquote>" +
      "<pre><code>d</code></pre><p><b>e</b><i>f</i><u>g</u></p>";
    expect(await sanitizeHtml(html)).toBe(
      '<p>Hi <span class="h-card"><a href="https://a.example/@x" rel="nofollow noopener" target="_blank" class="u-url mention">@<span>x</span></a></span> ' +
        '<a href="https://a.example/tags/t" rel="nofollow noopener" target="_blank" class="mention hashtag">#<span>t</span></a><br>' +
        '<a href="https://example.com/long" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">example.com</span></a></p>' +
        "<ul><li><em>a</em></li></ul><ol><li><strong>b</strong></li></ol><blockquote><p><del>c</del></p></blockquote>" +
        "<pre><code>d</code></pre><p><b>e</b><i>f</i><u>g</u></p>",
    );
  });

  it("drops scripts, styles and embedded content with what they contain", async () => {
    expect(
      await sanitizeHtml("<p>a<script>alert(1)</script><style>p{}</style><iframe src=x>y</iframe><svg><text>z</text></svg>b</p>"),
    ).toBe("<p>ab</p>");
    expect(await sanitizeHtml('<p>pic <img src="x" onerror="alert(1)"> here</p>')).toBe("<p>pic  here</p>");
  });

  it("unwraps unknown elements, keeping their text", async () => {
    expect(await sanitizeHtml('<div class="x"><p>a <font color=red>b</font> <sup>c</sup></p></div>')).toBe("<p>a b c</p>");
  });

  it("turns headings into bold paragraphs", async () => {
    expect(await sanitizeHtml('<h1 id="t">Title</h1><p>x</p>')).toBe("<p><strong>Title</strong></p><p>x</p>");
  });

  it("strips attributes, unsafe link targets and unknown classes", async () => {
    expect(await sanitizeHtml('<p style="color:red" onclick="x()">a</p>')).toBe("<p>a</p>");
    expect(await sanitizeHtml('<a href="javascript:alert(1)">x</a>')).toBe('<a rel="nofollow noopener" target="_blank">x</a>');
    expect(await sanitizeHtml('<a href="data:text/html,x">x</a>')).toBe('<a rel="nofollow noopener" target="_blank">x</a>');
    expect(await sanitizeHtml('<a href="mailto:a@b.example" rel="me" class="evil mention">m</a>')).toBe(
      '<a href="mailto:a@b.example" rel="nofollow noopener" target="_blank" class="mention">m</a>',
    );
    expect(await sanitizeHtml('<span class="big red">s</span>')).toBe("<span>s</span>");
  });

  it("removes comments and keeps entities as they are", async () => {
    expect(await sanitizeHtml("<p>a<!-- secret -->b &amp; &lt;c&gt;</p>")).toBe("<p>ab &amp; &lt;c&gt;</p>");
    expect(await sanitizeHtml("   ")).toBe("");
  });
});
