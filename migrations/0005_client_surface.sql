CREATE TABLE `announcement_dismissals` (
	`account_id` integer NOT NULL,
	`announcement_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `announcement_id`)
);
--> statement-breakpoint
CREATE TABLE `announcement_reactions` (
	`announcement_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`announcement_id`, `account_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `announcements` (
	`id` integer PRIMARY KEY NOT NULL,
	`text` text NOT NULL,
	`published` integer DEFAULT false NOT NULL,
	`all_day` integer DEFAULT false NOT NULL,
	`scheduled_at` integer,
	`starts_at` integer,
	`ends_at` integer,
	`published_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `custom_filter_keywords` (
	`id` integer PRIMARY KEY NOT NULL,
	`filter_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`keyword` text NOT NULL,
	`whole_word` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `custom_filter_keywords_filter_id` ON `custom_filter_keywords` (`filter_id`,`id`);--> statement-breakpoint
CREATE INDEX `custom_filter_keywords_account_id` ON `custom_filter_keywords` (`account_id`);--> statement-breakpoint
CREATE TABLE `custom_filter_statuses` (
	`id` integer PRIMARY KEY NOT NULL,
	`filter_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`status_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `custom_filter_statuses_pair` ON `custom_filter_statuses` (`filter_id`,`status_id`);--> statement-breakpoint
CREATE INDEX `custom_filter_statuses_account_id` ON `custom_filter_statuses` (`account_id`);--> statement-breakpoint
CREATE INDEX `custom_filter_statuses_status_id` ON `custom_filter_statuses` (`status_id`);--> statement-breakpoint
CREATE TABLE `custom_filters` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`title` text NOT NULL,
	`context` text NOT NULL,
	`action` text DEFAULT 'warn' NOT NULL,
	`expires_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `custom_filters_account_id` ON `custom_filters` (`account_id`,`id`);