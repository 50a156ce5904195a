CREATE TABLE `collection_items` (
	`id` integer PRIMARY KEY NOT NULL,
	`collection_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`position` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `collection_items_collection_account` ON `collection_items` (`collection_id`,`account_id`);--> statement-breakpoint
CREATE INDEX `collection_items_account` ON `collection_items` (`account_id`,`collection_id`);--> statement-breakpoint
CREATE TABLE `collections` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`language` text,
	`sensitive` integer DEFAULT false NOT NULL,
	`discoverable` integer DEFAULT true NOT NULL,
	`tag_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `collections_account` ON `collections` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `quotes` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`status_id` integer NOT NULL,
	`quoted_status_id` integer,
	`quoted_account_id` integer,
	`state` text DEFAULT 'pending' NOT NULL,
	`activity_uri` text,
	`approval_uri` text,
	`legacy` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quotes_status_id` ON `quotes` (`status_id`);--> statement-breakpoint
CREATE INDEX `quotes_quoted_status_state` ON `quotes` (`quoted_status_id`,`state`,`id`);--> statement-breakpoint
CREATE INDEX `quotes_approval_uri` ON `quotes` (`approval_uri`) WHERE approval_uri IS NOT NULL;--> statement-breakpoint
ALTER TABLE `notifications` ADD `collection_id` integer;--> statement-breakpoint
CREATE INDEX `notifications_collection_id` ON `notifications` (`collection_id`) WHERE collection_id IS NOT NULL;--> statement-breakpoint
ALTER TABLE `statuses` ADD `quoted_status_id` integer;--> statement-breakpoint
ALTER TABLE `statuses` ADD `quote_state` text;--> statement-breakpoint
ALTER TABLE `statuses` ADD `quote_approval_policy` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `statuses` ADD `quotes_count` integer DEFAULT 0 NOT NULL;