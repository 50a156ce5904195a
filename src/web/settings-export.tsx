/** Settings → Data export: the page listing Mastodon's CSV files and the downloads (src/services/exports.ts). */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { EXPORT_FILES, type ExportKind, exportCsv, isExportKind } from "../services/exports";
import { csvDownload } from "./csv-download";
import { renderPage, requireSession } from "./pages";

export const exportSettingsRoutes = new Hono<AppEnv>();

const DESCRIPTIONS: Record<ExportKind, string> = {
  follows: "Accounts you follow",
  lists: "Lists and their members",
  blocks: "Accounts you block",
  mutes: "Accounts you mute",
  domain_blocks: "Domains you block",
  bookmarks: "Bookmarks",
};

exportSettingsRoutes.get("/settings/export", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  return renderPage(
    c,
    { title: "Data export" },
    <>
      <h1>Data export</h1>
      <p>
        CSV files in Mastodon's format: another server's import (Mastodon's Settings → Import and export → Import) reads them.
      </p>
      <ul>
        {(Object.keys(EXPORT_FILES) as ExportKind[]).map((kind) => (
          <li>
            {DESCRIPTIONS[kind]}: <a href={`/settings/exports/${kind}.csv`}>{EXPORT_FILES[kind]}</a>
          </li>
        ))}
      </ul>
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>,
  );
});

exportSettingsRoutes.get("/settings/exports/:file", async (c) => {
  const file = c.req.param("file");
  const kind = file.slice(0, -".csv".length);
  if (!file.endsWith(".csv") || !isExportKind(kind)) return c.notFound();
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  const chunks = exportCsv(c.get("db"), c.get("config"), session.account.id, kind);
  return csvDownload(chunks, EXPORT_FILES[kind], `export: ${kind} of account ${session.account.id}`);
});
