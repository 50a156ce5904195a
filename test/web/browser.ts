/**
 * A small browser for the server-rendered pages: a cookie jar, manual redirect following (so tests
 * can see every hop), and the CSRF token picked up from the last page that had a form. Each browser
 * has its own client IP, so rate limits of one test do not spill into another.
 */
import { SELF } from "cloudflare:test";
import { BASE } from "../helpers/fixtures";

export interface Page {
  status: number;
  /** Path and query of the page finally shown. */
  path: string;
  headers: Headers;
  html: string;
  /** Every Location followed on the way, in order. */
  redirects: string[];
}

type Fetcher = (request: Request) => Promise<Response>;

export function uniqueIp(): string {
  const groups = Array.from(crypto.getRandomValues(new Uint16Array(4)), (n) => n.toString(16));
  return `2001:db8:${groups.join(":")}`;
}

export function csrfFrom(html: string): string | undefined {
  return /<input[^>]*name="authenticity_token"[^>]*value="([^"]*)"/.exec(html)?.[1];
}

export class Browser {
  readonly cookies = new Map<string, string>();
  readonly ip: string;
  csrf: string | undefined;
  private readonly fetcher: Fetcher;

  constructor(options: { ip?: string; fetch?: Fetcher } = {}) {
    this.ip = options.ip ?? uniqueIp();
    this.fetcher = options.fetch ?? ((request) => SELF.fetch(request));
  }

  get(path: string, options: { follow?: boolean } = {}): Promise<Page> {
    return this.navigate("GET", path, undefined, options.follow ?? true);
  }

  /** Posts a form, adding the CSRF token the browser last saw unless `authenticity_token` is given. */
  post(
    path: string,
    fields: Record<string, string | string[]>,
    options: { follow?: boolean; csrf?: boolean } = {},
  ): Promise<Page> {
    // A list is sent as repeated fields, as checkboxes sharing one name are.
    const body = new URLSearchParams(
      Object.entries(fields).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, x])),
    );
    if ((options.csrf ?? true) && !body.has("authenticity_token") && this.csrf) body.set("authenticity_token", this.csrf);
    return this.navigate("POST", path, body, options.follow ?? true);
  }

  /** Posts a multipart form with files (an upload), adding the CSRF token as `post` does. */
  upload(
    path: string,
    fields: Record<string, string>,
    files: Record<string, File>,
    options: { csrf?: boolean } = {},
  ): Promise<Page> {
    const body = new FormData();
    for (const [k, v] of Object.entries(fields)) body.append(k, v);
    for (const [k, f] of Object.entries(files)) body.append(k, f, f.name);
    if ((options.csrf ?? true) && !body.has("authenticity_token") && this.csrf) body.set("authenticity_token", this.csrf);
    return this.navigate("POST", path, body, true);
  }

  /** Opens the page holding a form, then submits it, as a person would. */
  async submit(formPage: string, action: string, fields: Record<string, string>, options: { follow?: boolean } = {}) {
    await this.get(formPage);
    return this.post(action, fields, options);
  }

  async signIn(login: string, password: string, returnTo?: string): Promise<Page> {
    const query = returnTo === undefined ? "" : `?return_to=${encodeURIComponent(returnTo)}`;
    const fields: Record<string, string> = { login, password };
    if (returnTo !== undefined) fields.return_to = returnTo;
    return this.submit(`/auth/sign_in${query}`, "/auth/sign_in", fields);
  }

  async signOut(): Promise<Page> {
    await this.get("/auth/sign_out");
    return this.post("/auth/sign_out", {});
  }

  private async navigate(
    method: string,
    path: string,
    body: URLSearchParams | FormData | undefined,
    follow: boolean,
  ): Promise<Page> {
    const redirects: string[] = [];
    let response = await this.send(method, path, body);
    let current = path;
    while (follow && [301, 302, 303].includes(response.status)) {
      const location = response.headers.get("location") ?? "";
      redirects.push(location);
      if (redirects.length > 10) throw new Error(`redirect loop: ${redirects.join(" → ")}`);
      const url = new URL(location, `${BASE}${current}`);
      if (url.origin !== BASE) break;
      current = `${url.pathname}${url.search}`;
      response = await this.send("GET", current, undefined);
    }
    const html = await response.text();
    const token = csrfFrom(html);
    if (token) this.csrf = token;
    return { status: response.status, path: current, headers: response.headers, html, redirects };
  }

  private async send(method: string, path: string, body: URLSearchParams | FormData | undefined): Promise<Response> {
    const headers = new Headers({ "cf-connecting-ip": this.ip, "user-agent": "petrel-test-browser" });
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (cookie) headers.set("cookie", cookie);
    // FormData sets its own multipart content type, boundary included.
    if (body instanceof URLSearchParams) headers.set("content-type", "application/x-www-form-urlencoded");
    const payload = body instanceof URLSearchParams ? body.toString() : body;
    const response = await this.fetcher(new Request(`${BASE}${path}`, { method, headers, body: payload, redirect: "manual" }));
    for (const line of response.headers.getAll("set-cookie")) this.storeCookie(line);
    return response;
  }

  private storeCookie(line: string): void {
    const [pair = "", ...attributes] = line.split(";").map((s) => s.trim());
    const eq = pair.indexOf("=");
    if (eq < 1) return;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const expired = attributes.some(
      (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()),
    );
    if (expired || value === "") this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}
