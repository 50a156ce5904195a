CREATE TABLE `instance_domain_blocks` (
	`id` integer PRIMARY KEY NOT NULL,
	`domain` text NOT NULL,
	`severity` text NOT NULL,
	`reject_media` integer DEFAULT false NOT NULL,
	`reject_reports` integer DEFAULT false NOT NULL,
	`private_comment` text DEFAULT '' NOT NULL,
	`public_comment` text DEFAULT '' NOT NULL,
	`obfuscate` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instance_domain_blocks_domain` ON `instance_domain_blocks` (`domain`);