CREATE INDEX `follows_account_page` ON `follows` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `follows_target_page` ON `follows` (`target_account_id`,`id`);