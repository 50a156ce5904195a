CREATE INDEX `follows_account_page` ON `follows` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `follows_target_page` ON `follows` (`target_account_id`,`id`);--> statement-breakpoint
CREATE INDEX `polls_ended_unnotified` ON `polls` (`expires_at`) WHERE ended_notified_at IS NULL;