CREATE TABLE `account_domain_blocks` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`domain` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_domain_blocks_pair` ON `account_domain_blocks` (`account_id`,`domain`);--> statement-breakpoint
CREATE TABLE `account_notes` (
	`account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`comment` text NOT NULL,
	PRIMARY KEY(`account_id`, `target_account_id`)
);
--> statement-breakpoint
CREATE TABLE `blocks` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`uri` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `blocks_pair` ON `blocks` (`account_id`,`target_account_id`);--> statement-breakpoint
CREATE INDEX `blocks_target` ON `blocks` (`target_account_id`);--> statement-breakpoint
CREATE TABLE `bookmarks` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`status_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `bookmarks_pair` ON `bookmarks` (`account_id`,`status_id`);--> statement-breakpoint
CREATE INDEX `bookmarks_status_id` ON `bookmarks` (`status_id`);--> statement-breakpoint
CREATE TABLE `conversation_mutes` (
	`account_id` integer NOT NULL,
	`conversation_id` integer NOT NULL,
	PRIMARY KEY(`account_id`, `conversation_id`)
);
--> statement-breakpoint
CREATE TABLE `favourites` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`status_id` integer NOT NULL,
	`uri` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `favourites_pair` ON `favourites` (`account_id`,`status_id`);--> statement-breakpoint
CREATE INDEX `favourites_status_id` ON `favourites` (`status_id`,`id`);--> statement-breakpoint
CREATE TABLE `follow_requests` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`show_reblogs` integer DEFAULT true NOT NULL,
	`notify` integer DEFAULT false NOT NULL,
	`languages` text,
	`uri` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `follow_requests_pair` ON `follow_requests` (`account_id`,`target_account_id`);--> statement-breakpoint
CREATE INDEX `follow_requests_target` ON `follow_requests` (`target_account_id`,`id`);--> statement-breakpoint
CREATE TABLE `follows` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`show_reblogs` integer DEFAULT true NOT NULL,
	`notify` integer DEFAULT false NOT NULL,
	`languages` text,
	`uri` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `follows_pair` ON `follows` (`account_id`,`target_account_id`);--> statement-breakpoint
CREATE INDEX `follows_target` ON `follows` (`target_account_id`,`account_id`);--> statement-breakpoint
CREATE TABLE `list_accounts` (
	`list_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	PRIMARY KEY(`list_id`, `account_id`)
);
--> statement-breakpoint
CREATE INDEX `list_accounts_account` ON `list_accounts` (`account_id`);--> statement-breakpoint
CREATE TABLE `lists` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`title` text NOT NULL,
	`replies_policy` text DEFAULT 'list' NOT NULL,
	`exclusive` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `lists_account_id` ON `lists` (`account_id`);--> statement-breakpoint
CREATE TABLE `markers` (
	`account_id` integer NOT NULL,
	`timeline` text NOT NULL,
	`last_read_id` text NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `timeline`)
);
--> statement-breakpoint
CREATE TABLE `mentions` (
	`status_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`silent` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`status_id`, `account_id`)
);
--> statement-breakpoint
CREATE INDEX `mentions_account_id` ON `mentions` (`account_id`,`status_id`);--> statement-breakpoint
CREATE TABLE `mutes` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`hide_notifications` integer DEFAULT true NOT NULL,
	`expires_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mutes_pair` ON `mutes` (`account_id`,`target_account_id`);--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`from_account_id` integer NOT NULL,
	`type` text NOT NULL,
	`status_id` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `notifications_account_id` ON `notifications` (`account_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `notifications_dedupe` ON `notifications` (`account_id`,`type`,`from_account_id`,`status_id`);--> statement-breakpoint
CREATE INDEX `notifications_status_id` ON `notifications` (`status_id`);--> statement-breakpoint
CREATE TABLE `poll_votes` (
	`id` integer PRIMARY KEY NOT NULL,
	`poll_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`choice` integer NOT NULL,
	`uri` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `poll_votes_choice` ON `poll_votes` (`poll_id`,`account_id`,`choice`);--> statement-breakpoint
CREATE INDEX `poll_votes_account` ON `poll_votes` (`account_id`);--> statement-breakpoint
CREATE TABLE `polls` (
	`id` integer PRIMARY KEY NOT NULL,
	`status_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`options` text NOT NULL,
	`tallies` text NOT NULL,
	`multiple` integer DEFAULT false NOT NULL,
	`hide_totals` integer DEFAULT false NOT NULL,
	`votes_count` integer DEFAULT 0 NOT NULL,
	`voters_count` integer DEFAULT 0 NOT NULL,
	`expires_at` integer,
	`ended_notified_at` integer,
	`last_fetched_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `polls_status_id` ON `polls` (`status_id`);--> statement-breakpoint
CREATE INDEX `polls_expires_at` ON `polls` (`expires_at`);--> statement-breakpoint
CREATE TABLE `scheduled_statuses` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`scheduled_at` integer NOT NULL,
	`params` text NOT NULL,
	`application_id` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `scheduled_statuses_due` ON `scheduled_statuses` (`scheduled_at`);--> statement-breakpoint
CREATE INDEX `scheduled_statuses_account` ON `scheduled_statuses` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `status_edits` (
	`id` integer PRIMARY KEY NOT NULL,
	`status_id` integer NOT NULL,
	`account_id` integer NOT NULL,
	`text` text NOT NULL,
	`content` text NOT NULL,
	`spoiler_text` text NOT NULL,
	`sensitive` integer NOT NULL,
	`poll_options` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_edits_status_id` ON `status_edits` (`status_id`,`id`);--> statement-breakpoint
CREATE TABLE `status_pins` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`status_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `status_pins_pair` ON `status_pins` (`account_id`,`status_id`);--> statement-breakpoint
CREATE INDEX `status_pins_status_id` ON `status_pins` (`status_id`);--> statement-breakpoint
CREATE TABLE `status_tags` (
	`status_id` integer NOT NULL,
	`tag_id` integer NOT NULL,
	PRIMARY KEY(`status_id`, `tag_id`)
);
--> statement-breakpoint
CREATE INDEX `status_tags_tag_id` ON `status_tags` (`tag_id`,`status_id`);--> statement-breakpoint
CREATE TABLE `statuses` (
	`id` integer PRIMARY KEY NOT NULL,
	`uri` text,
	`url` text,
	`account_id` integer NOT NULL,
	`local` integer NOT NULL,
	`in_reply_to_id` integer,
	`in_reply_to_account_id` integer,
	`reblog_of_id` integer,
	`conversation_id` integer,
	`text` text DEFAULT '' NOT NULL,
	`content` text DEFAULT '' NOT NULL,
	`spoiler_text` text DEFAULT '' NOT NULL,
	`sensitive` integer DEFAULT false NOT NULL,
	`visibility` text NOT NULL,
	`language` text,
	`application_id` integer,
	`poll_id` integer,
	`media_count` integer DEFAULT 0 NOT NULL,
	`replies_count` integer DEFAULT 0 NOT NULL,
	`reblogs_count` integer DEFAULT 0 NOT NULL,
	`favourites_count` integer DEFAULT 0 NOT NULL,
	`edited_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `statuses_uri` ON `statuses` (`uri`);--> statement-breakpoint
CREATE INDEX `statuses_account_id` ON `statuses` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `statuses_in_reply_to_id` ON `statuses` (`in_reply_to_id`);--> statement-breakpoint
CREATE INDEX `statuses_reblog_of_id` ON `statuses` (`reblog_of_id`,`account_id`);--> statement-breakpoint
CREATE INDEX `statuses_conversation_id` ON `statuses` (`conversation_id`);--> statement-breakpoint
CREATE INDEX `statuses_public_timeline` ON `statuses` (`id`,`local`) WHERE visibility = 'public' AND reblog_of_id IS NULL;--> statement-breakpoint
CREATE TABLE `tags` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`display_name` text NOT NULL,
	`last_status_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tags_name` ON `tags` (`name`);