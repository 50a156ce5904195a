-- Announcements that existed before streaming of announcement events count as streamed, so the first
-- cron tick after this migration does not send them again (which would mark dismissed ones unread in
-- clients). Future scheduled ones stay pending and are streamed when their time comes.
UPDATE `announcements` SET `streamed_at` = `updated_at`
WHERE `published` = 0 OR `scheduled_at` IS NULL OR `scheduled_at` <= CAST(strftime('%s', 'now') AS INTEGER) * 1000;
