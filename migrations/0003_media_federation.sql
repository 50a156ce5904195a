CREATE TABLE `delivery_failures` (
	`domain` text NOT NULL,
	`day` text NOT NULL,
	`count` integer DEFAULT 1 NOT NULL,
	PRIMARY KEY(`domain`, `day`)
);
--> statement-breakpoint
CREATE TABLE `inbox_activities` (
	`activity_id` text PRIMARY KEY NOT NULL,
	`actor_uri` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `inbox_activities_received_at` ON `inbox_activities` (`received_at`);--> statement-breakpoint
CREATE TABLE `instance_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `media_attachments` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`status_id` integer,
	`type` text NOT NULL,
	`file_key` text,
	`preview_key` text,
	`content_type` text,
	`file_size` integer,
	`remote_url` text,
	`description` text,
	`blurhash` text,
	`meta` text DEFAULT '{}' NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`processed_at` integer,
	`last_accessed_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `media_attachments_status_id` ON `media_attachments` (`status_id`,`position`);--> statement-breakpoint
CREATE INDEX `media_attachments_account_unattached` ON `media_attachments` (`account_id`,`created_at`) WHERE status_id IS NULL;--> statement-breakpoint
CREATE INDEX `media_attachments_remote_access` ON `media_attachments` (`last_accessed_at`) WHERE remote_url IS NOT NULL AND file_key IS NOT NULL;--> statement-breakpoint
CREATE TABLE `remote_origins` (
	`origin` text PRIMARY KEY NOT NULL,
	`signature_style` text DEFAULT 'cavage' NOT NULL,
	`unavailable_since` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `accounts_domain` ON `accounts` (`domain`);