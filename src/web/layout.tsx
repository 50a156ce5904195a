/** The frame of every server-rendered page: small, no scripts, readable without CSS. */
import type { Child } from "hono/jsx";

const STYLE = `
body{font-family:system-ui,-apple-system,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1f2328;background:#f6f8fa}
main{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:1.5rem}
h1{font-size:1.4rem;margin-top:0}
label{display:block;margin:.8rem 0 .3rem;font-weight:600}
input[type=text],input[type=email],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box;border:1px solid #d0d7de;border-radius:6px}
button{margin-top:1rem;padding:.55rem 1.1rem;border:0;border-radius:6px;background:#6364ff;color:#fff;font-weight:600;cursor:pointer}
button.secondary{background:#eaeef2;color:#1f2328}
.error{background:#ffebe9;border:1px solid #ff8182;padding:.6rem;border-radius:6px}
.notice{background:#ddf4ff;border:1px solid #54aeff;padding:.6rem;border-radius:6px}
code,.code{font-family:ui-monospace,monospace;background:#eaeef2;padding:.1rem .3rem;border-radius:4px;word-break:break-all}
ul.scopes li{margin:.2rem 0}
nav{margin-bottom:1rem}
`;

export function Layout(props: { title: string; instanceTitle: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} - ${props.instanceTitle}`}</title>
        <style>{STYLE}</style>
      </head>
      <body>
        <nav>
          <strong>{props.instanceTitle}</strong>
        </nav>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** Headers for every HTML page: no framing, no sniffing, no caching of personal pages. */
export const PAGE_HEADERS: Record<string, string> = {
  "Content-Security-Policy":
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self' *; frame-ancestors 'none'; base-uri 'none'",
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};
