CREATE TABLE `federation_tombstones` (
	`uri` text PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `federation_tombstones_created_at` ON `federation_tombstones` (`created_at`);--> statement-breakpoint
CREATE TABLE `notification_permissions` (
	`account_id` integer NOT NULL,
	`from_account_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `from_account_id`)
);
--> statement-breakpoint
CREATE TABLE `notification_policies` (
	`account_id` integer PRIMARY KEY NOT NULL,
	`for_not_following` text DEFAULT 'accept' NOT NULL,
	`for_not_followers` text DEFAULT 'accept' NOT NULL,
	`for_new_accounts` text DEFAULT 'accept' NOT NULL,
	`for_private_mentions` text DEFAULT 'filter' NOT NULL,
	`for_limited_accounts` text DEFAULT 'filter' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `notification_requests` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`from_account_id` integer NOT NULL,
	`last_status_id` integer,
	`notifications_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `notification_requests_pair` ON `notification_requests` (`account_id`,`from_account_id`);--> statement-breakpoint
CREATE INDEX `notification_requests_account_page` ON `notification_requests` (`account_id`,`id`);--> statement-breakpoint
ALTER TABLE `announcements` ADD `streamed_at` integer;--> statement-breakpoint
ALTER TABLE `announcements` ADD `deleted_at` integer;--> statement-breakpoint
CREATE INDEX `announcements_streamed_at` ON `announcements` (`streamed_at`);--> statement-breakpoint
ALTER TABLE `notifications` ADD `filtered` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `notifications` ADD `group_key` text;--> statement-breakpoint
CREATE INDEX `notifications_group_key` ON `notifications` (`account_id`,`group_key`,`id`) WHERE group_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX `notifications_filtered_from` ON `notifications` (`account_id`,`from_account_id`) WHERE filtered = 1;--> statement-breakpoint
CREATE INDEX `announcement_dismissals_announcement` ON `announcement_dismissals` (`announcement_id`);--> statement-breakpoint
CREATE INDEX `account_domain_blocks_domain` ON `account_domain_blocks` (`domain`);--> statement-breakpoint
CREATE INDEX `mutes_target` ON `mutes` (`target_account_id`);