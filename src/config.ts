/**
 * Instance settings, read from the Worker's vars and secrets and validated on every request (it is
 * cheap, and a Worker has no start-up hook that could refuse to boot). A bad setting fails loudly with
 * a message that names it.
 */
export type RegistrationsMode = "open" | "approval" | "closed";

export interface Config {
  localDomain: string;
  webDomain: string;
  scheme: "http" | "https";
  /** `scheme://webDomain`, no trailing slash. */
  baseUrl: string;
  development: boolean;
  title: string;
  description: string;
  contactEmail: string;
  rules: string[];
  registrationsMode: RegistrationsMode;
  secretKeyBase: string;
  authorizedFetch: boolean;
  remoteMediaRetentionDays: number;
  /** Minutes between recomputations of trends by the cron (0: every run). */
  trendsIntervalMinutes: number;
}

export class ConfigError extends Error {
  constructor(setting: string, problem: string) {
    super(`Invalid configuration: ${setting} ${problem}`);
    this.name = "ConfigError";
  }
}

const DOMAIN_RE =
  /^(?=.{1,253}(?::\d{1,5})?$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/;

/** Plain http is acceptable only where nobody else can be on the wire. */
export function isLocalOnlyDomain(domain: string): boolean {
  const host = domain.replace(/:\d+$/, "");
  return (
    host === "localhost" ||
    host.endsWith(".localhost") ||
    host.endsWith(".test") ||
    /^127\.\d+\.\d+\.\d+$/.test(host) ||
    host === "[::1]"
  );
}

export interface ConfigSource {
  LOCAL_DOMAIN?: string;
  WEB_DOMAIN?: string;
  INSTANCE_TITLE?: string;
  INSTANCE_DESCRIPTION?: string;
  CONTACT_EMAIL?: string;
  INSTANCE_RULES?: string;
  REGISTRATIONS_MODE?: string;
  ENVIRONMENT?: string;
  SECRET_KEY_BASE?: string;
  AUTHORIZED_FETCH?: string;
  REMOTE_MEDIA_RETENTION_DAYS?: string;
  TRENDS_INTERVAL_MINUTES?: string;
}

export function loadConfig(env: ConfigSource): Config {
  const environment = (env.ENVIRONMENT ?? "production").trim() || "production";
  if (environment !== "production" && environment !== "development") {
    throw new ConfigError("ENVIRONMENT", `must be "production" or "development", got "${environment}"`);
  }
  const development = environment === "development";

  const localDomain = (env.LOCAL_DOMAIN ?? "").trim().toLowerCase();
  if (!localDomain) throw new ConfigError("LOCAL_DOMAIN", "is required");
  if (!DOMAIN_RE.test(localDomain) && localDomain !== "[::1]") {
    throw new ConfigError("LOCAL_DOMAIN", `is not a domain name: "${localDomain}"`);
  }
  const webDomain = (env.WEB_DOMAIN ?? "").trim().toLowerCase() || localDomain;
  if (!DOMAIN_RE.test(webDomain) && webDomain !== "[::1]") {
    throw new ConfigError("WEB_DOMAIN", `is not a domain name: "${webDomain}"`);
  }
  const plainHttp = development && isLocalOnlyDomain(webDomain);
  if (!development && isLocalOnlyDomain(webDomain)) {
    throw new ConfigError("WEB_DOMAIN", `"${webDomain}" is a local-only name; set ENVIRONMENT=development to run locally`);
  }

  const secretKeyBase = env.SECRET_KEY_BASE ?? "";
  if (secretKeyBase.length < 32) {
    throw new ConfigError(
      "SECRET_KEY_BASE",
      "must be set to a secret of at least 32 characters (wrangler secret put SECRET_KEY_BASE)",
    );
  }

  const modeRaw = (env.REGISTRATIONS_MODE ?? "").trim();
  const mode = modeRaw === "" ? (development ? "open" : "approval") : modeRaw;
  if (mode !== "open" && mode !== "approval" && mode !== "closed") {
    throw new ConfigError("REGISTRATIONS_MODE", `must be open, approval or closed, got "${mode}"`);
  }

  const contactEmail = (env.CONTACT_EMAIL ?? "").trim();
  if (contactEmail && !/^[^@\s]+@[^@\s]+$/.test(contactEmail)) {
    throw new ConfigError("CONTACT_EMAIL", `is not an e-mail address: "${contactEmail}"`);
  }

  const retention = Number((env.REMOTE_MEDIA_RETENTION_DAYS ?? "7").trim() || "7");
  if (!Number.isInteger(retention) || retention < 1) {
    throw new ConfigError("REMOTE_MEDIA_RETENTION_DAYS", "must be a whole number of days, 1 or more");
  }

  const trendsInterval = Number((env.TRENDS_INTERVAL_MINUTES ?? "15").trim() || "15");
  if (!Number.isInteger(trendsInterval) || trendsInterval < 0) {
    throw new ConfigError("TRENDS_INTERVAL_MINUTES", "must be a whole number of minutes, 0 or more");
  }

  const scheme = plainHttp ? "http" : "https";
  return {
    localDomain,
    webDomain,
    scheme,
    baseUrl: `${scheme}://${webDomain}`,
    development,
    title: (env.INSTANCE_TITLE ?? "").trim() || "Petrel",
    description: (env.INSTANCE_DESCRIPTION ?? "").trim(),
    contactEmail,
    rules: parseRules(env.INSTANCE_RULES ?? ""),
    registrationsMode: mode,
    secretKeyBase,
    authorizedFetch: parseFlag("AUTHORIZED_FETCH", env.AUTHORIZED_FETCH),
    remoteMediaRetentionDays: retention,
    trendsIntervalMinutes: trendsInterval,
  };
}

function parseRules(raw: string): string[] {
  const text = raw.trim();
  if (!text) return [];
  if (text.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError("INSTANCE_RULES", "is not valid JSON");
    }
    if (!Array.isArray(parsed) || !parsed.every((r) => typeof r === "string")) {
      throw new ConfigError("INSTANCE_RULES", "must be a JSON array of strings");
    }
    return parsed.map((r) => r.trim()).filter(Boolean);
  }
  return text
    .split("\n")
    .map((r) => r.trim())
    .filter(Boolean);
}

function parseFlag(name: string, raw: string | undefined): boolean {
  const v = (raw ?? "").trim().toLowerCase();
  if (v === "" || v === "false" || v === "0") return false;
  if (v === "true" || v === "1") return true;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}
