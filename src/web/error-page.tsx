/** ApiErrors met on the account pages, rendered as pages a person can act on. */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { ApiError } from "../errors";
import { renderPage } from "./pages";

const TITLES: Record<number, string> = {
  403: "Not allowed",
  413: "Too much data",
  422: "The change you wanted was rejected",
  429: "Too many attempts",
};

export function errorPage(c: Context<AppEnv>, err: ApiError): Promise<Response> {
  const title = TITLES[err.status] ?? "Something went wrong";
  const retryAfter = err.headers?.["Retry-After"];
  return renderPage(
    c,
    { title, status: err.status, headers: err.headers },
    <>
      <h1>{title}</h1>
      <p class="error">{err.message}</p>
      {err.status === 422 && err.message === "Invalid authenticity token" ? (
        <p>The form had expired or did not come from this site. Go back, reload the page and try again.</p>
      ) : null}
      {retryAfter ? <p>Please wait {retryAfter} seconds before trying again.</p> : null}
    </>,
  );
}
