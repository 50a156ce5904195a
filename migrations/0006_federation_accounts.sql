ALTER TABLE `accounts` ADD `following_url` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `featured_url` text;--> statement-breakpoint
CREATE INDEX `accounts_public_key_id` ON `accounts` (`public_key_id`) WHERE public_key_id IS NOT NULL;