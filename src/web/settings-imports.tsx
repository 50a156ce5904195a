/**
 * Settings → Import (src/services/imports/): Mastodon's pages at Mastodon's paths. `/settings/imports`
 * holds the upload form and the recent imports with their progress; an upload becomes an unconfirmed
 * import shown at `/settings/imports/:id`, confirmed or cancelled there; the rows that failed are
 * downloadable from `/settings/imports/:id/failures.csv`.
 */
import { type Context, Hono } from "hono";
import type { BulkImport } from "../db/schema-imports";
import type { AppEnv } from "../env";
import { parseId } from "../ids";
import { IMPORT_TYPES, type ImportType, isImportType } from "../services/imports/csv";
import { cancelImport, confirmImport, createImport, failuresCsv, findImport, recentImports } from "../services/imports/imports";
import { csrfToken } from "./csrf";
import { csvDownload } from "./csv-download";
import { CsrfField, Messages, noticeFor, redirect, renderPage, requireSession, settingsForm } from "./pages";

export const importSettingsRoutes = new Hono<AppEnv>();

const TYPE_NAMES: Record<ImportType, string> = {
  following: "Following list",
  blocking: "Blocking list",
  muting: "Muting list",
  domain_blocking: "Domain blocking list",
  bookmarks: "Bookmarks",
  lists: "Lists",
};

const ITEMS: Record<ImportType, string> = {
  following: "accounts to follow",
  blocking: "accounts to block",
  muting: "accounts to mute",
  domain_blocking: "domains to block",
  bookmarks: "posts to bookmark",
  lists: "list members",
};

const STATES: Record<string, string> = {
  unconfirmed: "Unconfirmed",
  scheduled: "Scheduled",
  in_progress: "In progress",
  finished: "Finished",
};

importSettingsRoutes.get("/settings/imports", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  return renderIndex(c, await recentImports(c.get("db"), session.account.id));
});

importSettingsRoutes.post("/settings/imports", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { params, session } = form;
  const db = c.get("db");
  const upload = { type: params.string("type"), mode: params.string("mode"), file: params.file("data") };
  const created = await createImport(db, c.get("config"), session.account.id, upload);
  if (!created.ok) {
    const chosen = isImportType(upload.type) ? upload.type : undefined;
    return renderIndex(c, await recentImports(db, session.account.id), { errors: created.errors, type: chosen, status: 422 });
  }
  return redirect(c, `/settings/imports/${created.import.id}`);
});

/** The account's import named by the path, or a 404 page. */
async function ownImport(c: Context<AppEnv>, accountId: number): Promise<BulkImport | undefined> {
  const id = parseId(c.req.param("id"));
  return id === undefined ? undefined : findImport(c.get("db"), accountId, id);
}

importSettingsRoutes.get("/settings/imports/:id{[0-9]+}", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  const item = await ownImport(c, session.account.id);
  if (!item) return c.notFound();
  if (item.state !== "unconfirmed") return redirect(c, "/settings/imports");
  const type = item.type as ImportType;
  const csrf = await csrfToken(c);
  return renderPage(
    c,
    { title: "Confirm import" },
    <>
      <h1>Confirm import</h1>
      {item.likelyMismatched ? (
        <div class="error" role="alert">
          <p>It seems you may have selected the wrong type for this import, please double-check.</p>
        </div>
      ) : null}
      <p>
        {item.overwrite ? "You are about to replace your current " : "You are about to add to your current "}
        <strong>{TYPE_NAMES[type].toLowerCase()}</strong> {item.overwrite ? "with " : ""}
        <strong>{item.totalItems}</strong> {ITEMS[type]} from <strong>{item.originalFilename}</strong>.
      </p>
      {item.overwrite ? <p>Everything of this kind that the file does not name will be removed.</p> : null}
      <form method="post" action={`/settings/imports/${item.id}/confirm`}>
        <CsrfField token={csrf} />
        <button type="submit">Confirm</button>
      </form>
      <form method="post" action={`/settings/imports/${item.id}/cancel`}>
        <CsrfField token={csrf} />
        <button type="submit" class="secondary">
          Cancel
        </button>
      </form>
    </>,
  );
});

importSettingsRoutes.post("/settings/imports/:id{[0-9]+}/confirm", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const item = await ownImport(c, form.session.account.id);
  if (!item) return c.notFound();
  await confirmImport(c.get("db"), c.env.FANOUT, item);
  return redirect(c, "/settings/imports?notice=import_started");
});

importSettingsRoutes.post("/settings/imports/:id{[0-9]+}/cancel", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const item = await ownImport(c, form.session.account.id);
  if (!item) return c.notFound();
  await cancelImport(c.get("db"), item);
  return redirect(c, "/settings/imports?notice=import_cancelled");
});

importSettingsRoutes.get("/settings/imports/:id{[0-9]+}/failures.csv", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  const item = await ownImport(c, session.account.id);
  if (!item) return c.notFound();
  return csvDownload(failuresCsv(c.get("db"), item), `failures-${item.id}.csv`, `imports: failures of import ${item.id}`);
});

async function renderIndex(
  c: Context<AppEnv>,
  imports: BulkImport[],
  form: { errors?: string[]; type?: ImportType | undefined; status?: 200 | 422 } = {},
) {
  const csrf = await csrfToken(c);
  return renderPage(
    c,
    { title: "Import", status: form.status ?? 200 },
    <>
      <h1>Import</h1>
      <Messages errors={form.errors} notice={noticeFor(c)} />
      <p>
        Bring in data you exported from another server: the CSV files of Mastodon's Data export (and Petrel's, at{" "}
        <a href="/settings/export">Data export</a>).
      </p>
      <form method="post" action="/settings/imports" enctype="multipart/form-data">
        <CsrfField token={csrf} />
        <label for="type">Import type</label>
        <select id="type" name="type" required>
          {IMPORT_TYPES.map((t) => (
            <option value={t} selected={t === form.type}>
              {TYPE_NAMES[t]}
            </option>
          ))}
        </select>
        <fieldset>
          <legend>Mode</legend>
          <label>
            <input type="radio" name="mode" value="merge" checked /> Merge: keep what you have and add the file's entries
          </label>
          <label>
            <input type="radio" name="mode" value="overwrite" /> Overwrite: replace what you have with the file's entries
          </label>
        </fieldset>
        <label for="data">File</label>
        <input type="file" id="data" name="data" accept=".csv,text/csv" required />
        <button type="submit">Upload</button>
      </form>
      <h2>Recent imports</h2>
      {imports.length === 0 ? (
        <p>None yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Type</th>
              <th>File</th>
              <th>Status</th>
              <th>Processed</th>
              <th>Imported</th>
              <th>Failures</th>
            </tr>
          </thead>
          <tbody>
            {imports.map((item) => (
              <tr>
                <td>{TYPE_NAMES[item.type as ImportType] ?? item.type}</td>
                <td>
                  {item.state === "unconfirmed" ? (
                    <a href={`/settings/imports/${item.id}`}>{item.originalFilename}</a>
                  ) : (
                    item.originalFilename
                  )}
                </td>
                <td>{STATES[item.state] ?? item.state}</td>
                <td>
                  {item.processedItems} / {item.totalItems}
                </td>
                <td>{item.importedItems}</td>
                <td>
                  {item.state === "finished" && item.processedItems > item.importedItems ? (
                    <a href={`/settings/imports/${item.id}/failures.csv`}>{item.processedItems - item.importedItems}</a>
                  ) : (
                    "0"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>,
  );
}
