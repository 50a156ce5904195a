/**
 * Just enough of a browser to walk the server-rendered pages: a cookie jar, manual redirects (so tests
 * can see each 302), and HTML forms submitted the way a browser would — every named input of the form
 * with its value, the fields the test fills in, and the clicked button's name/value — without caring
 * about field order or markup details.
 */

export interface FormInput {
  type: string;
  name: string;
  value: string;
}

export interface FormButton {
  name: string | undefined;
  value: string;
  text: string;
}

export interface HtmlForm {
  action: string;
  method: string;
  inputs: FormInput[];
  buttons: FormButton[];
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code = body[1]?.toLowerCase() === "x" ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** Attributes of one start tag: `name="v"`, `name='v'`, `name=v` and bare `name`. */
export function parseAttributes(tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  const body = tag.replace(/^<\s*[a-z0-9-]+/i, "").replace(/\/?>$/, "");
  const re = /([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const name = (m[1] as string).toLowerCase();
    attrs[name] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? "");
  }
  return attrs;
}

export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  const formRe = /<form\b[^>]*>([\s\S]*?)<\/form>/gi;
  for (let m = formRe.exec(html); m !== null; m = formRe.exec(html)) {
    const openTag = /^<form\b[^>]*>/i.exec(m[0])?.[0] ?? "<form>";
    const attrs = parseAttributes(openTag);
    const body = m[1] ?? "";
    const inputs: FormInput[] = [];
    for (const tag of body.match(/<input\b[^>]*>/gi) ?? []) {
      const a = parseAttributes(tag);
      if (a.name === undefined || a.disabled !== undefined) continue;
      const type = (a.type ?? "text").toLowerCase();
      if ((type === "checkbox" || type === "radio") && a.checked === undefined) continue;
      if (type === "submit" || type === "button" || type === "image" || type === "reset") continue;
      inputs.push({ type, name: a.name, value: a.value ?? (type === "checkbox" || type === "radio" ? "on" : "") });
    }
    for (const tag of body.match(/<textarea\b[^>]*>[\s\S]*?<\/textarea>/gi) ?? []) {
      const a = parseAttributes(/^<textarea\b[^>]*>/i.exec(tag)?.[0] ?? "");
      if (a.name === undefined) continue;
      inputs.push({
        type: "textarea",
        name: a.name,
        value: decodeEntities(tag.replace(/^<textarea\b[^>]*>|<\/textarea>$/gi, "")),
      });
    }
    const buttons: FormButton[] = [];
    const buttonRe = /<button\b[^>]*>([\s\S]*?)<\/button>/gi;
    for (let b = buttonRe.exec(body); b !== null; b = buttonRe.exec(body)) {
      const a = parseAttributes(/^<button\b[^>]*>/i.exec(b[0])?.[0] ?? "");
      if ((a.type ?? "submit").toLowerCase() !== "submit") continue;
      buttons.push({ name: a.name, value: a.value ?? "", text: decodeEntities((b[1] ?? "").replace(/<[^>]*>/g, "")).trim() });
    }
    forms.push({ action: attrs.action ?? "", method: (attrs.method ?? "get").toLowerCase(), inputs, buttons });
  }
  return forms;
}

/** The form whose action's path is `actionPath` (query ignored); a clear error listing the others if none. */
export function findForm(html: string, actionPath: string): HtmlForm {
  const forms = parseForms(html);
  const form = forms.find((f) => f.action.split("?")[0] === actionPath);
  if (!form) {
    const found = forms.map((f) => f.action || "(no action)").join(", ") || "none";
    throw new Error(`no form posting to ${actionPath} on the page (forms: ${found}). Page:\n${html.slice(0, 3000)}`);
  }
  return form;
}

export interface Page {
  url: string;
  status: number;
  headers: Headers;
  html: string;
  /** The Location of a redirect, resolved against the page URL. */
  location: string | undefined;
}

export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  cookieNames(): string[] {
    return [...this.cookies.keys()];
  }

  /** One request, no redirect following. */
  async request(url: string, init: { method?: string; body?: URLSearchParams | FormData } = {}): Promise<Page> {
    const absolute = new URL(url, this.baseUrl).toString();
    const headers: Record<string, string> = { "User-Agent": "petrel-e2e-browser", Accept: "text/html" };
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (cookie) headers.Cookie = cookie;
    if (init.body) {
      // FormData sets its own multipart content type, boundary included.
      if (init.body instanceof URLSearchParams) headers["Content-Type"] = "application/x-www-form-urlencoded";
      headers.Origin = new URL(this.baseUrl).origin;
    }
    const res = await fetch(absolute, {
      method: init.method ?? (init.body ? "POST" : "GET"),
      headers,
      body: init.body instanceof URLSearchParams ? init.body.toString() : init.body,
      redirect: "manual",
    });
    this.storeCookies(res.headers);
    const location = res.headers.get("location");
    return {
      url: absolute,
      status: res.status,
      headers: res.headers,
      html: await res.text(),
      location: location ? new URL(location, absolute).toString() : undefined,
    };
  }

  get(url: string): Promise<Page> {
    return this.request(url);
  }

  /** Follows same-origin redirects from `page` (at most 10) and returns the first non-redirect page. */
  async follow(page: Page): Promise<Page> {
    let current = page;
    for (let i = 0; i < 10 && current.location && current.status >= 300 && current.status < 400; i++) {
      if (new URL(current.location).origin !== new URL(this.baseUrl).origin) return current;
      current = await this.get(current.location);
    }
    return current;
  }

  /**
   * Submits the form on `page` that posts to `actionPath`: all its inputs as rendered, overridden by
   * `fields` (which may also name fields the form doesn't have), plus the submit button whose value or
   * text matches `button` (default: the first one).
   */
  async submit(page: Page, actionPath: string, fields: Record<string, string> = {}, button?: string): Promise<Page> {
    const form = findForm(page.html, actionPath);
    const body = new URLSearchParams();
    const overridden = new Set(Object.keys(fields));
    for (const input of form.inputs) if (!overridden.has(input.name)) body.append(input.name, input.value);
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    const chosen = button ? form.buttons.find((b) => b.value === button || b.text === button) : form.buttons[0];
    if (button && !chosen) throw new Error(`no button "${button}" in the form posting to ${actionPath}`);
    if (chosen?.name) body.append(chosen.name, chosen.value);
    const action = new URL(form.action || page.url, page.url).toString();
    return this.request(action, { method: form.method === "get" ? "GET" : "POST", body });
  }

  /** Submits the multipart form on `page` posting to `actionPath`: its inputs, `fields`, and `files`. */
  async upload(page: Page, actionPath: string, fields: Record<string, string>, files: Record<string, File>): Promise<Page> {
    const form = findForm(page.html, actionPath);
    const body = new FormData();
    for (const input of form.inputs)
      if (!(input.name in fields) && !(input.name in files) && input.type !== "file") body.append(input.name, input.value);
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    for (const [name, file] of Object.entries(files)) body.append(name, file, file.name);
    return this.request(new URL(form.action || page.url, page.url).toString(), { method: "POST", body });
  }

  private storeCookies(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [key, v] = a.split("=").map((s) => s.trim());
        if (key?.toLowerCase() === "max-age") return Number(v) <= 0;
        if (key?.toLowerCase() === "expires") return Date.parse(v ?? "") <= Date.now();
        return false;
      });
      if (expired || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** A fill for the login form whatever its login field is called (`login`, `username`, `email` or `user[email]`). */
export function loginFields(form: HtmlForm, login: string, password: string): Record<string, string> {
  const loginInput = form.inputs.find((i) => ["login", "username", "email", "user[email]", "user[login]"].includes(i.name));
  const passwordInput = form.inputs.find((i) => i.type === "password");
  return { [loginInput?.name ?? "username"]: login, [passwordInput?.name ?? "password"]: password };
}

/** The name of the form's password input (`password`, `current_password`, ...). */
export function passwordFieldName(form: HtmlForm): string {
  return form.inputs.find((i) => i.type === "password")?.name ?? "password";
}

/** Signs in through the sign-in page of `baseUrl`, as a person would; the browser holds the session. */
export async function webSignIn(baseUrl: string, user: { username: string; password: string }): Promise<Browser> {
  const browser = new Browser(baseUrl);
  const form = await browser.get("/auth/sign_in");
  const signedIn = await browser.submit(
    form,
    "/auth/sign_in",
    loginFields(findForm(form.html, "/auth/sign_in"), user.username, user.password),
  );
  if (signedIn.status !== 302)
    throw new Error(`sign-in as ${user.username} answered ${signedIn.status}: ${signedIn.html.slice(0, 500)}`);
  return browser;
}
