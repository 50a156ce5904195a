CREATE TABLE `custom_emojis` (
	`id` integer PRIMARY KEY NOT NULL,
	`shortcode` text NOT NULL,
	`domain` text,
	`image_key` text,
	`image_remote_url` text,
	`uri` text,
	`content_type` text,
	`file_size` integer,
	`category` text,
	`visible_in_picker` integer DEFAULT true NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `custom_emojis_domain_shortcode` ON `custom_emojis` (`domain`,`shortcode`);--> statement-breakpoint
CREATE UNIQUE INDEX `custom_emojis_local_shortcode` ON `custom_emojis` (`shortcode`) WHERE domain IS NULL;--> statement-breakpoint
CREATE TABLE `media_cache` (
	`remote_url` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`file_key` text NOT NULL,
	`content_type` text NOT NULL,
	`file_size` integer NOT NULL,
	`last_used_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `media_cache_last_used` ON `media_cache` (`last_used_at`);--> statement-breakpoint
CREATE TABLE `outbound_tombstones` (
	`status_id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`visibility` text NOT NULL,
	`reblog_of_id` integer,
	`reblog_of_uri` text,
	`inboxes` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbound_tombstones_account_id` ON `outbound_tombstones` (`account_id`);--> statement-breakpoint
CREATE TABLE `web_push_deliveries` (
	`notification_id` integer NOT NULL,
	`subscription_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`notification_id`, `subscription_id`)
);
--> statement-breakpoint
CREATE INDEX `web_push_deliveries_created_at` ON `web_push_deliveries` (`created_at`);--> statement-breakpoint
CREATE TABLE `web_push_subscriptions` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`access_token_id` integer NOT NULL,
	`endpoint` text NOT NULL,
	`key_p256dh` text NOT NULL,
	`key_auth` text NOT NULL,
	`standard` integer DEFAULT false NOT NULL,
	`alerts` text NOT NULL,
	`policy` text DEFAULT 'all' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `web_push_subscriptions_access_token_id` ON `web_push_subscriptions` (`access_token_id`);--> statement-breakpoint
CREATE INDEX `web_push_subscriptions_account_id` ON `web_push_subscriptions` (`account_id`);--> statement-breakpoint
CREATE TABLE `account_conversations` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`conversation_id` integer NOT NULL,
	`participant_account_ids` text NOT NULL,
	`status_ids` text DEFAULT '[]' NOT NULL,
	`last_status_id` integer,
	`unread` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_conversations_key` ON `account_conversations` (`account_id`,`conversation_id`,`participant_account_ids`);--> statement-breakpoint
CREATE INDEX `account_conversations_page` ON `account_conversations` (`account_id`,`last_status_id`);--> statement-breakpoint
CREATE INDEX `account_conversations_conversation_id` ON `account_conversations` (`conversation_id`);--> statement-breakpoint
CREATE TABLE `preview_card_statuses` (
	`status_id` integer PRIMARY KEY NOT NULL,
	`preview_card_id` integer NOT NULL,
	`url` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `preview_card_statuses_preview_card_id` ON `preview_card_statuses` (`preview_card_id`);--> statement-breakpoint
CREATE TABLE `preview_cards` (
	`id` integer PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`title` text DEFAULT '' NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`type` text DEFAULT 'link' NOT NULL,
	`author_name` text DEFAULT '' NOT NULL,
	`author_url` text DEFAULT '' NOT NULL,
	`provider_name` text DEFAULT '' NOT NULL,
	`provider_url` text DEFAULT '' NOT NULL,
	`image_url` text,
	`image_description` text DEFAULT '' NOT NULL,
	`width` integer DEFAULT 0 NOT NULL,
	`height` integer DEFAULT 0 NOT NULL,
	`embed_url` text DEFAULT '' NOT NULL,
	`language` text,
	`published_at` integer,
	`fetched_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `preview_cards_url` ON `preview_cards` (`url`);--> statement-breakpoint
CREATE TABLE `reports` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`status_ids` text NOT NULL,
	`comment` text DEFAULT '' NOT NULL,
	`category` text DEFAULT 'other' NOT NULL,
	`rule_ids` text,
	`forwarded` integer DEFAULT false NOT NULL,
	`application_id` integer,
	`action_taken_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reports_target_account_id` ON `reports` (`target_account_id`,`id`);--> statement-breakpoint
CREATE INDEX `reports_account_id` ON `reports` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `account_pins` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `account_pins_pair` ON `account_pins` (`account_id`,`target_account_id`);--> statement-breakpoint
CREATE INDEX `account_pins_target` ON `account_pins` (`target_account_id`);--> statement-breakpoint
CREATE TABLE `featured_tags` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`tag_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `featured_tags_account_tag` ON `featured_tags` (`account_id`,`tag_id`);--> statement-breakpoint
CREATE TABLE `suggestion_dismissals` (
	`account_id` integer NOT NULL,
	`target_account_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `target_account_id`)
);
--> statement-breakpoint
CREATE TABLE `tag_follows` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`tag_id` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tag_follows_tag_account` ON `tag_follows` (`tag_id`,`account_id`);--> statement-breakpoint
CREATE INDEX `tag_follows_account_page` ON `tag_follows` (`account_id`,`id`);--> statement-breakpoint
CREATE TABLE `trends` (
	`kind` text NOT NULL,
	`rank` integer NOT NULL,
	`item_id` integer NOT NULL,
	`score` real NOT NULL,
	`history` text,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`kind`, `rank`)
);
--> statement-breakpoint
ALTER TABLE `inbox_activities` ADD `processed_at` integer;--> statement-breakpoint
ALTER TABLE `inbox_activities` ADD `error` text;--> statement-breakpoint
ALTER TABLE `statuses` ADD `mentions_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `statuses` ADD `tags_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `statuses_account_reblogs` ON `statuses` (`account_id`,`reblog_of_id`) WHERE reblog_of_id IS NOT NULL;--> statement-breakpoint
CREATE INDEX `accounts_directory_active` ON `accounts` (`last_status_at`) WHERE discoverable = 1 AND suspended_at IS NULL;--> statement-breakpoint
CREATE INDEX `accounts_directory_new` ON `accounts` (`id`) WHERE discoverable = 1 AND suspended_at IS NULL;--> statement-breakpoint
CREATE INDEX `accounts_directory_followers` ON `accounts` (`followers_count`) WHERE discoverable = 1 AND suspended_at IS NULL;--> statement-breakpoint
CREATE INDEX `accounts_remote_fetched` ON `accounts` (`fetched_at`) WHERE domain IS NOT NULL AND suspended_at IS NULL;--> statement-breakpoint
CREATE INDEX `bookmarks_account_page` ON `bookmarks` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `favourites_account_page` ON `favourites` (`account_id`,`id`);