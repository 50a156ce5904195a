CREATE TABLE `event_outbox` (
	`id` integer PRIMARY KEY NOT NULL,
	`message` text NOT NULL,
	`created_at` integer NOT NULL
);
