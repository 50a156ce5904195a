import { Hono } from "hono";
import type { Config } from "../config";
import type { Account } from "../db/schema";
import { type NodeinfoVersion, nodeinfoProfile, serializeNodeinfo, serializeNodeinfoLinks } from "../entities/instance";
import type { AppEnv } from "../env";
import { instanceStats } from "../services/instance-stats";
import { escapeHtml } from "../text/html";
import { actorUri, profileUrl } from "../urls";
import { instanceActorWebfinger } from "./actor";
import { publicLocalAccount } from "./local-accounts";

export const wellKnownRoutes = new Hono<AppEnv>();

const LOCAL_USERNAME_RE = /^[a-z0-9_]+$/i;

/** Mastodon's lifetimes: WebFinger and host-meta for three days, nodeinfo for half an hour, misses for three minutes. */
const CACHE_LONG = "public, max-age=259200";
const CACHE_NODEINFO = "public, max-age=1800";
const CACHE_MISS = "public, max-age=180";

/**
 * The local username a WebFinger `resource` names, or undefined when it names nothing here.
 * Accepts `acct:user@host` (also without `acct:` and with a leading `@`), the profile URL
 * `…/@user` and the actor URI `…/users/user`, where host is LOCAL_DOMAIN or WEB_DOMAIN.
 */
export function localUsernameFromResource(config: Config, resource: string): string | undefined {
  const ours = (host: string) => {
    const h = host.toLowerCase();
    return h === config.localDomain || h === config.webDomain;
  };
  const value = resource.trim();
  let username: string | undefined;
  if (/^https?:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return undefined;
    }
    if (!ours(url.host) || url.search || url.hash) return undefined;
    username = /^\/(?:@|users\/)([^/]+)$/.exec(url.pathname)?.[1];
  } else {
    const acct = value.replace(/^acct:/i, "").replace(/^@/, "");
    const at = acct.lastIndexOf("@");
    if (at <= 0 || !ours(acct.slice(at + 1))) return undefined;
    username = acct.slice(0, at);
  }
  return username && LOCAL_USERNAME_RE.test(username) ? username : undefined;
}

export function webfingerDocument(config: Config, account: Account) {
  const profile = profileUrl(config, account.username);
  const actor = actorUri(config, account.username);
  return {
    subject: `acct:${account.username}@${config.localDomain}`,
    aliases: [profile, actor],
    links: [
      { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: profile },
      { rel: "self", type: "application/activity+json", href: actor },
      { rel: "http://ostatus.org/schema/1.0/subscribe", template: `${config.baseUrl}/authorize_interaction?uri={uri}` },
    ],
  };
}

wellKnownRoutes.get("/.well-known/webfinger", async (c) => {
  const resource = c.req.query("resource");
  if (!resource?.trim()) return c.body(null, 400, { "Cache-Control": CACHE_MISS });
  const config = c.get("config");
  const instanceActor = instanceActorWebfinger(config, resource);
  if (instanceActor) {
    return c.body(JSON.stringify(instanceActor), 200, {
      "Content-Type": "application/jrd+json; charset=utf-8",
      "Cache-Control": CACHE_LONG,
    });
  }
  const username = localUsernameFromResource(config, resource);
  const account = username === undefined ? undefined : await publicLocalAccount(c.get("db"), username);
  if (!account) return c.body(null, 404, { "Cache-Control": CACHE_MISS });
  return c.body(JSON.stringify(webfingerDocument(config, account)), 200, {
    "Content-Type": "application/jrd+json; charset=utf-8",
    "Cache-Control": CACHE_LONG,
  });
});

function lrddTemplate(config: Config): string {
  return `${config.baseUrl}/.well-known/webfinger?resource={uri}`;
}

/** JSON when asked with `?format=json` or an Accept header that wants JSON rather than XRD. */
function wantsJson(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format.toLowerCase() === "json";
  const a = (accept ?? "").toLowerCase();
  return a.includes("json") && !a.includes("xrd+xml");
}

function hostMetaJson(config: Config) {
  return { links: [{ rel: "lrdd", template: lrddTemplate(config) }] };
}

function hostMetaXml(config: Config): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n' +
    `  <Link rel="lrdd" template="${escapeHtml(lrddTemplate(config))}"/>\n` +
    "</XRD>\n"
  );
}

wellKnownRoutes.get("/.well-known/host-meta", (c) => {
  const config = c.get("config");
  const headers = { "Cache-Control": CACHE_LONG, Vary: "Accept" };
  if (wantsJson(c.req.query("format"), c.req.header("accept"))) return c.json(hostMetaJson(config), 200, headers);
  return c.body(hostMetaXml(config), 200, { ...headers, "Content-Type": "application/xrd+xml; charset=utf-8" });
});

wellKnownRoutes.get("/.well-known/host-meta.json", (c) =>
  c.json(hostMetaJson(c.get("config")), 200, { "Cache-Control": CACHE_LONG }),
);

wellKnownRoutes.get("/.well-known/nodeinfo", (c) =>
  c.json(serializeNodeinfoLinks(c.get("config")), 200, { "Cache-Control": CACHE_LONG }),
);

for (const version of ["2.0", "2.1"] satisfies NodeinfoVersion[]) {
  wellKnownRoutes.on("GET", [`/nodeinfo/${version}`, `/nodeinfo/${version}.json`], async (c) => {
    const stats = await instanceStats(c.get("db"));
    return c.body(JSON.stringify(serializeNodeinfo(c.get("config"), version, stats)), 200, {
      "Content-Type": `application/json; profile="${nodeinfoProfile(version)}#"`,
      "Cache-Control": CACHE_NODEINFO,
    });
  });
}
