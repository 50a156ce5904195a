/**
 * Instance-wide domain blocks (migration 0019; Mastodon's domain_blocks): what staff decided about a
 * remote server, applied to every account on it and its subdomains (src/services/domain-blocks.ts).
 * The user's own domain blocks are `account_domain_blocks` (schema-social.ts).
 */
import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export type DomainBlockSeverity = "suspend" | "silence" | "noop";

export const instanceDomainBlocks = sqliteTable(
  "instance_domain_blocks",
  {
    id: integer("id").primaryKey(),
    /** Lower-cased host (with its port, when it has one); the rule also covers its subdomains. */
    domain: text("domain").notNull(),
    /** suspend: nothing in or out; silence: its accounts limited; noop: only the rejections below. */
    severity: text("severity").$type<DomainBlockSeverity>().notNull(),
    rejectMedia: integer("reject_media", { mode: "boolean" }).notNull().default(false),
    rejectReports: integer("reject_reports", { mode: "boolean" }).notNull().default(false),
    /** Shown to staff only. */
    privateComment: text("private_comment").notNull().default(""),
    /** Shown with the public list of moderated servers. */
    publicComment: text("public_comment").notNull().default(""),
    /** The public list shows the domain partly starred out. */
    obfuscate: integer("obfuscate", { mode: "boolean" }).notNull().default(false),
    /**
     * Also the mark left on the accounts it suspended or silenced (their `suspended_at` /
     * `silenced_at`), so lifting the block restores exactly those, as Mastodon's UnblockDomainService.
     */
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("instance_domain_blocks_domain").on(t.domain)],
);

export type InstanceDomainBlock = typeof instanceDomainBlocks.$inferSelect;
