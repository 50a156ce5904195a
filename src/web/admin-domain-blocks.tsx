/**
 * The staff page for instance-wide domain blocks (src/services/domain-blocks.ts): the blocked
 * servers with their severity and comments, a form to block one more, and a button to lift a block.
 * The same gates as the other staff pages (admin.tsx).
 */
import { Hono } from "hono";
import type { InstanceDomainBlock } from "../db/schema-moderation";
import type { AppEnv } from "../env";
import { drainEventOutbox } from "../queue/event-outbox";
import { createDomainBlock, listDomainBlocks, removeDomainBlock } from "../services/domain-blocks";
import { Nav, staffForm, staffSession, when } from "./admin";
import { csrfToken } from "./csrf";
import { CsrfField, Messages, noticeFor, redirect, renderPage } from "./pages";

export const adminDomainBlockRoutes = new Hono<AppEnv>();

/** Rows shown; the policy cache enforces at most 20,000 (domain-policy.ts). */
const SHOWN = 1000;

function BlockForm(props: { csrf: string }) {
  return (
    <form method="post" action="/admin/domain_blocks">
      <CsrfField token={props.csrf} />
      <label>
        Domain <input name="domain" required placeholder="example.com" />
      </label>
      <label>
        Severity{" "}
        <select name="severity">
          <option value="suspend">Suspend: nothing in or out, its accounts hidden and unfollowed</option>
          <option value="silence">Limit: its accounts kept out of public timelines</option>
          <option value="noop">None: only the rejections below</option>
        </select>
      </label>
      <label>
        <input type="checkbox" name="reject_media" value="1" /> Reject media files
      </label>
      <label>
        <input type="checkbox" name="reject_reports" value="1" /> Reject reports
      </label>
      <label>
        <input type="checkbox" name="obfuscate" value="1" /> Obfuscate the domain in the public list
      </label>
      <label>
        Private comment (staff only) <input name="private_comment" maxlength={1000} />
      </label>
      <label>
        Public comment <input name="public_comment" maxlength={1000} />
      </label>
      <button type="submit">Block this server</button>
    </form>
  );
}

function BlockTable(props: { rows: InstanceDomainBlock[]; csrf: string }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Domain</th>
          <th>Severity</th>
          <th>Rejects</th>
          <th>Since</th>
          <th>Comments</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.rows.map((b) => (
          <tr>
            <td>{b.domain}</td>
            <td>{b.severity}</td>
            <td>{[b.rejectMedia ? "media" : "", b.rejectReports ? "reports" : ""].filter(Boolean).join(", ")}</td>
            <td>{when(b.createdAt)}</td>
            <td>{[b.privateComment, b.publicComment && `public: ${b.publicComment}`].filter(Boolean).join(" · ")}</td>
            <td>
              <form method="post" action={`/admin/domain_blocks/${b.id}/remove`}>
                <CsrfField token={props.csrf} />
                <button type="submit" class="secondary">
                  Lift
                </button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function blocksPage(c: Parameters<typeof staffSession>[0], errors?: string[]): Promise<Response> {
  const rows = await listDomainBlocks(c.get("db"), SHOWN);
  const csrf = await csrfToken(c);
  return renderPage(
    c,
    { title: "Blocked servers", status: errors ? 422 : 200 },
    <>
      <h1>Blocked servers</h1>
      <Nav />
      <Messages errors={errors} notice={noticeFor(c)} />
      <BlockForm csrf={csrf} />
      {rows.length === 0 ? <p>No server is blocked.</p> : <BlockTable rows={rows} csrf={csrf} />}
    </>,
  );
}

adminDomainBlockRoutes.get("/admin/domain_blocks", async (c) => {
  const session = await staffSession(c);
  if (session instanceof Response) return session;
  return blocksPage(c);
});

adminDomainBlockRoutes.post("/admin/domain_blocks", async (c) => {
  const form = await staffForm(c);
  if (form instanceof Response) return form;
  const { params } = form;
  const result = await createDomainBlock(c.get("db"), c.get("config"), {
    domain: params.string("domain") ?? "",
    severity: params.string("severity") ?? "",
    rejectMedia: params.bool("reject_media") === true,
    rejectReports: params.bool("reject_reports") === true,
    obfuscate: params.bool("obfuscate") === true,
    privateComment: params.string("private_comment") ?? "",
    publicComment: params.string("public_comment") ?? "",
  });
  if (!result.ok) return blocksPage(c, [result.error]);
  // The cron sends it within a minute if this fails (the row was committed with the block).
  if (result.outboxId > 0) await drainEventOutbox(c.env, 1, [result.outboxId]);
  return redirect(c, "/admin/domain_blocks?notice=domain_blocked");
});

adminDomainBlockRoutes.post("/admin/domain_blocks/:id{[0-9]+}/remove", async (c) => {
  const form = await staffForm(c);
  if (form instanceof Response) return form;
  const removed = await removeDomainBlock(c.get("db"), Number(c.req.param("id")));
  if (!removed) return c.notFound();
  if (removed.outboxId > 0) await drainEventOutbox(c.env, 1, [removed.outboxId]);
  return redirect(c, "/admin/domain_blocks?notice=domain_unblocked");
});
