CREATE TABLE `accounts` (
	`id` integer PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`acct_key` text NOT NULL,
	`domain` text,
	`display_name` text DEFAULT '' NOT NULL,
	`note` text DEFAULT '' NOT NULL,
	`note_source` text DEFAULT '' NOT NULL,
	`fields` text DEFAULT '[]' NOT NULL,
	`locked` integer DEFAULT false NOT NULL,
	`bot` integer DEFAULT false NOT NULL,
	`group` integer DEFAULT false NOT NULL,
	`discoverable` integer,
	`indexable` integer DEFAULT false NOT NULL,
	`hide_collections` integer DEFAULT false NOT NULL,
	`avatar` text,
	`header` text,
	`uri` text,
	`url` text,
	`inbox_url` text,
	`shared_inbox_url` text,
	`outbox_url` text,
	`followers_url` text,
	`public_key_pem` text,
	`public_key_id` text,
	`private_key_sealed` text,
	`moved_to_account_id` integer,
	`also_known_as` text DEFAULT '[]' NOT NULL,
	`memorial` integer DEFAULT false NOT NULL,
	`suspended_at` integer,
	`silenced_at` integer,
	`statuses_count` integer DEFAULT 0 NOT NULL,
	`followers_count` integer DEFAULT 0 NOT NULL,
	`following_count` integer DEFAULT 0 NOT NULL,
	`last_status_at` integer,
	`fetched_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_acct_key` ON `accounts` (`acct_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_uri` ON `accounts` (`uri`);--> statement-breakpoint
CREATE TABLE `dead_letters` (
	`id` integer PRIMARY KEY NOT NULL,
	`queue` text NOT NULL,
	`body` text NOT NULL,
	`attempts` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`key` text NOT NULL,
	`user_id` integer NOT NULL,
	`response` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `oauth_access_grants` (
	`code_hash` text PRIMARY KEY NOT NULL,
	`application_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`redirect_uri` text NOT NULL,
	`scopes` text NOT NULL,
	`code_challenge` text,
	`code_challenge_method` text,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `oauth_access_tokens` (
	`id` integer PRIMARY KEY NOT NULL,
	`token_hash` text NOT NULL,
	`application_id` integer NOT NULL,
	`user_id` integer,
	`scopes` text NOT NULL,
	`token_sealed` text NOT NULL,
	`revoked_at` integer,
	`last_used_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_access_tokens_hash` ON `oauth_access_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `oauth_access_tokens_app_user` ON `oauth_access_tokens` (`application_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `oauth_applications` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`website` text,
	`redirect_uris` text NOT NULL,
	`scopes` text NOT NULL,
	`client_id` text NOT NULL,
	`client_secret_hash` text NOT NULL,
	`owner_user_id` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_applications_client_id` ON `oauth_applications` (`client_id`);--> statement-breakpoint
CREATE TABLE `rate_limits` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`count` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY NOT NULL,
	`account_id` integer NOT NULL,
	`email` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text DEFAULT 'user' NOT NULL,
	`confirmed_at` integer,
	`approved` integer DEFAULT true NOT NULL,
	`disabled` integer DEFAULT false NOT NULL,
	`reason` text,
	`locale` text DEFAULT 'en' NOT NULL,
	`agreed_at` integer,
	`settings` text DEFAULT '{}' NOT NULL,
	`otp_secret_sealed` text,
	`otp_enabled` integer DEFAULT false NOT NULL,
	`otp_recovery_hashes` text DEFAULT '[]' NOT NULL,
	`otp_last_step` integer,
	`sign_up_ip` text,
	`last_sign_in_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email` ON `users` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_account_id` ON `users` (`account_id`);--> statement-breakpoint
CREATE TABLE `web_sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`pending_otp` integer DEFAULT false NOT NULL,
	`ip` text,
	`user_agent` text,
	`last_active_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `web_sessions_user` ON `web_sessions` (`user_id`);