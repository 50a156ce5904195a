/**
 * `/settings/languages`: which languages public timelines and streams show (Mastodon's "Filter
 * languages" preference). Clients cannot set it through the API, as on Mastodon; streams read it
 * when they connect, so an open socket keeps the choice it started with.
 */
import { Hono } from "hono";
import { SUPPORTED_LANGUAGES } from "../data/languages";
import type { AppEnv } from "../env";
import { chosenLanguages, setChosenLanguages } from "../services/chosen-languages";
import { csrfToken } from "./csrf";
import { CsrfField, Messages, noticeFor, redirect, renderPage, requireSession, settingsForm } from "./pages";

export const languageSettingsRoutes = new Hono<AppEnv>();

languageSettingsRoutes.get("/settings/languages", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  const chosen = new Set(chosenLanguages(session.user.settings) ?? []);
  return renderPage(
    c,
    { title: "Languages" },
    <>
      <h1>Languages on public timelines</h1>
      <Messages notice={noticeFor(c)} />
      <p>
        Public and hashtag timelines show only posts in the languages ticked here. Tick none to see every language. Your home
        timeline and lists are not affected; open streams pick up a change when they reconnect.
      </p>
      <form method="post" action="/settings/languages">
        <CsrfField token={await csrfToken(c)} />
        <fieldset>
          <legend>Languages</legend>
          {SUPPORTED_LANGUAGES.map(([code, name, nativeName]) => (
            <label>
              <input type="checkbox" name="chosen_languages[]" value={code} checked={chosen.has(code)} /> {name}
              {nativeName !== name ? ` (${nativeName})` : ""}
            </label>
          ))}
        </fieldset>
        <button type="submit">Save</button>
      </form>
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>,
  );
});

languageSettingsRoutes.post("/settings/languages", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { params, session } = form;
  await setChosenLanguages(c.get("db"), session.user.id, params.strings("chosen_languages"));
  return redirect(c, "/settings/languages?notice=languages_saved");
});
