/**
 * Remote HTML → the subset Mastodon keeps (its MASTODON_STRICT config; INTEROP §1.8): p, br, span,
 * a, del, pre, code, em, strong, b, i, u, ul, ol, li, blockquote. Other elements are unwrapped
 * (their text stays), active or invisible ones (script, style, iframe, svg, ...) are dropped with
 * their content, headings become bold paragraphs, and every attribute not listed is removed.
 * Links keep only http(s) and mailto targets and always get `rel="nofollow noopener"`.
 *
 * HTMLRewriter streams and does not rebalance tags, so unclosed tags in the input stay unclosed;
 * clients render the result inside their own container, where the browser closes them.
 */

const ALLOWED = new Set([
  "p",
  "br",
  "span",
  "a",
  "del",
  "pre",
  "code",
  "em",
  "strong",
  "b",
  "i",
  "u",
  "ul",
  "ol",
  "li",
  "blockquote",
]);

const DROPPED_WITH_CONTENT = new Set([
  "script",
  "style",
  "template",
  "noscript",
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "applet",
  "svg",
  "math",
  "head",
  "title",
  "textarea",
  "select",
  "option",
  "button",
  "canvas",
  "audio",
  "video",
  "img",
  "picture",
  "input",
  "form",
]);

const HEADINGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);

/** Microformats classes Mastodon keeps: mentions, hashtags and its link-shortening spans. */
const ALLOWED_CLASSES = new Set(["h-card", "u-url", "mention", "hashtag", "invisible", "ellipsis"]);

const SAFE_HREF = /^(?:https?:\/\/|mailto:)/i;

function keepClasses(value: string | null): string | null {
  if (!value) return null;
  const kept = value.split(/\s+/).filter((c) => ALLOWED_CLASSES.has(c));
  return kept.length > 0 ? kept.join(" ") : null;
}

function removeAllAttributes(el: Element): void {
  // Copied first: removing while iterating the live iterator would skip attributes.
  for (const name of [...el.attributes].map((a) => a[0])) if (name) el.removeAttribute(name);
}

class ElementSanitizer implements HTMLRewriterElementContentHandlers {
  element(el: Element): void {
    const tag = el.tagName.toLowerCase();
    if (DROPPED_WITH_CONTENT.has(tag)) {
      el.remove();
      return;
    }
    if (HEADINGS.has(tag)) {
      removeAllAttributes(el);
      el.tagName = "p";
      el.prepend("<strong>", { html: true });
      el.append("</strong>", { html: true });
      return;
    }
    if (!ALLOWED.has(tag)) {
      el.removeAndKeepContent();
      return;
    }
    const href = tag === "a" ? el.getAttribute("href") : null;
    const classes = tag === "a" || tag === "span" ? keepClasses(el.getAttribute("class")) : null;
    removeAllAttributes(el);
    if (tag === "a") {
      if (href && SAFE_HREF.test(href.trim())) el.setAttribute("href", href.trim());
      el.setAttribute("rel", "nofollow noopener");
      el.setAttribute("target", "_blank");
    }
    if (classes) el.setAttribute("class", classes);
  }

  comments(comment: Comment): void {
    comment.remove();
  }
}

/** Sanitizes remote HTML. Empty or whitespace-only input returns "". */
export async function sanitizeHtml(html: string): Promise<string> {
  if (!html.trim()) return "";
  const rewriter = new HTMLRewriter().on("*", new ElementSanitizer()).onDocument({
    comments(comment) {
      comment.remove();
    },
    doctype() {
      // Doctypes cannot be removed through the API; a fragment never has one worth keeping.
    },
  });
  const out = await rewriter.transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } })).text();
  return out.trim();
}

/** Plain-text fields (display names, field names) are stored as sent, minus control characters. */
export function stripControlCharacters(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "");
}
