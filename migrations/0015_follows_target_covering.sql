DROP INDEX `follows_target`;--> statement-breakpoint
CREATE INDEX `follows_target_home` ON `follows` (`target_account_id`,`account_id`,`show_reblogs`,`notify`,`languages`);