CREATE TABLE `bulk_import_rows` (
	`id` integer PRIMARY KEY NOT NULL,
	`import_id` integer NOT NULL,
	`key` text NOT NULL,
	`data` text NOT NULL,
	`failed` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE INDEX `bulk_import_rows_pending` ON `bulk_import_rows` (`import_id`,`failed`,`id`);--> statement-breakpoint
CREATE INDEX `bulk_import_rows_key` ON `bulk_import_rows` (`import_id`,`key`);--> statement-breakpoint
CREATE TABLE `bulk_imports` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`type` text NOT NULL,
	`overwrite` integer NOT NULL,
	`state` text NOT NULL,
	`original_filename` text NOT NULL,
	`likely_mismatched` integer NOT NULL,
	`total_items` integer NOT NULL,
	`processed_items` integer DEFAULT 0 NOT NULL,
	`imported_items` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `bulk_imports_account` ON `bulk_imports` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `bulk_imports_state` ON `bulk_imports` (`state`,`created_at`);