/**
 * The HTML side of the authorization endpoint: the consent page, the out-of-band code page, the
 * form_post hand-off and the error page. Only markup lives here; the decisions are in authorize.ts.
 */
import type { Child } from "hono/jsx";
import { Layout, PAGE_HEADERS } from "../web/layout";

/** What each scope lets an app do, in the words a person reads on the consent page. */
const SCOPE_WORDS: Record<string, string> = {
  read: "Read everything in your account",
  write: "Change anything in your account",
  follow: "Follow, block and mute accounts for you",
  push: "Receive your push notifications",
  profile: "See your basic profile only",
  "read:accounts": "See account information",
  "read:blocks": "See whom you block",
  "read:bookmarks": "See your bookmarks",
  "read:favourites": "See your favourites",
  "read:filters": "See your filters",
  "read:follows": "See whom you follow",
  "read:lists": "See your lists",
  "read:mutes": "See whom you mute",
  "read:notifications": "See your notifications",
  "read:search": "Search on your behalf",
  "read:statuses": "See posts",
  "write:accounts": "Edit your profile",
  "write:blocks": "Block accounts and domains",
  "write:bookmarks": "Bookmark posts",
  "write:conversations": "Mute and delete conversations",
  "write:favourites": "Favourite posts",
  "write:filters": "Create and change filters",
  "write:follows": "Follow and unfollow accounts",
  "write:lists": "Create and change lists",
  "write:media": "Upload media",
  "write:mutes": "Mute accounts and conversations",
  "write:notifications": "Dismiss your notifications",
  "write:reports": "Report accounts and posts",
  "write:statuses": "Publish and delete posts",
  "admin:read": "Read all data on this server (moderators only)",
  "admin:write": "Change all data on this server (moderators only)",
};

export function scopeInWords(scope: string): string {
  const known = SCOPE_WORDS[scope];
  if (known) return known;
  // admin:read:accounts → "Moderation: read accounts"
  const parts = scope.split(":");
  if (parts[0] === "admin") return `Moderation: ${parts.slice(1).join(" ").replace(/_/g, " ")}`;
  return scope;
}

/** PAGE_HEADERS with a different `form-action` (and optionally a script nonce); everything else kept. */
export function pageHeaders(formActions: string[], scriptNonce?: string): Record<string, string> {
  const base = PAGE_HEADERS["Content-Security-Policy"] ?? "default-src 'none'";
  const directives = base
    .split(";")
    .map((d) => d.trim())
    .filter((d) => d !== "" && !d.startsWith("form-action") && !d.startsWith("script-src"));
  directives.push(`form-action ${["'self'", ...formActions].join(" ")}`);
  if (scriptNonce) directives.push(`script-src 'nonce-${scriptNonce}'`);
  return { ...PAGE_HEADERS, "Content-Security-Policy": directives.join("; ") };
}

function Hidden(props: { fields: Array<[string, string]> }) {
  return (
    <>
      {props.fields.map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

export function ConsentPage(props: {
  instanceTitle: string;
  appName: string;
  website: string | null;
  username: string;
  scopes: string[];
  redirectHost: string | undefined;
  csrf: string;
  fields: Array<[string, string]>;
}) {
  return (
    <Layout title="Authorization required" instanceTitle={props.instanceTitle}>
      <h1>Authorize {props.appName}?</h1>
      <p>
        <strong>{props.appName}</strong>
        {props.website ? (
          <>
            {" ("}
            <a href={props.website} rel="noopener noreferrer">
              {props.website}
            </a>
            {")"}
          </>
        ) : null}{" "}
        wants to use your account <strong>@{props.username}</strong>.
      </p>
      <p>It will be able to:</p>
      <ul class="scopes">
        {props.scopes.map((s) => (
          <li>
            {scopeInWords(s)} <code>{s}</code>
          </li>
        ))}
      </ul>
      {props.redirectHost ? <p>After you choose, you will be sent back to {props.redirectHost}.</p> : null}
      <form method="post" action="/oauth/authorize">
        <input type="hidden" name="authenticity_token" value={props.csrf} />
        <Hidden fields={props.fields} />
        <button type="submit" name="decision" value="approve">
          Authorize
        </button>{" "}
        <button type="submit" name="decision" value="deny" class="secondary">
          Deny
        </button>
      </form>
    </Layout>
  );
}

export function CodePage(props: { instanceTitle: string; appName: string; code: string }) {
  return (
    <Layout title="Authorization code" instanceTitle={props.instanceTitle}>
      <h1>Authorization code</h1>
      <p>Copy this code and paste it into {props.appName}:</p>
      <p>
        <code class="code" id="authorization-code">
          {props.code}
        </code>
      </p>
    </Layout>
  );
}

/** Plain words for the errors a person, rather than a client, ends up reading. */
const ERROR_HINTS: Record<string, string> = {
  invalid_client:
    "The application asking for access is unknown to this server. It may have been deleted, or registered elsewhere.",
  invalid_redirect_uri: "The application asked to send you back to an address it never registered, so the request was stopped.",
};

export function ErrorPage(props: { instanceTitle: string; error: string; description: string; children?: Child }) {
  const hint = ERROR_HINTS[props.error];
  return (
    <Layout title="Authorization error" instanceTitle={props.instanceTitle}>
      <h1>An error has occurred</h1>
      {hint ? <p>{hint}</p> : null}
      <p class="error">{props.description}</p>
      <p>
        <code>{props.error}</code>
      </p>
      {props.children}
    </Layout>
  );
}

/** response_mode=form_post: the browser carries the result to the client in a POST (submitted by script, or by hand). */
export function FormPostPage(props: { instanceTitle: string; action: string; fields: Array<[string, string]>; nonce: string }) {
  return (
    <Layout title="Redirecting" instanceTitle={props.instanceTitle}>
      <form method="post" action={props.action}>
        <Hidden fields={props.fields} />
        <button type="submit">Continue</button>
      </form>
      <script nonce={props.nonce}>{"document.forms[0].submit();"}</script>
    </Layout>
  );
}
