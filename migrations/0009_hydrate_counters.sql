-- Mentions and tags counters on statuses, kept by triggers like the other counters (0002_counters.sql):
-- hydration only looks up mentions and tags for statuses whose counter says they have some.
UPDATE statuses SET mentions_count = (SELECT count(*) FROM mentions WHERE status_id = statuses.id)
  WHERE id IN (SELECT DISTINCT status_id FROM mentions);--> statement-breakpoint
UPDATE statuses SET tags_count = (SELECT count(*) FROM status_tags WHERE status_id = statuses.id)
  WHERE id IN (SELECT DISTINCT status_id FROM status_tags);--> statement-breakpoint
CREATE TRIGGER mentions_count_insert AFTER INSERT ON mentions BEGIN
  UPDATE statuses SET mentions_count = mentions_count + 1 WHERE id = NEW.status_id;
END;--> statement-breakpoint
CREATE TRIGGER mentions_count_delete AFTER DELETE ON mentions BEGIN
  UPDATE statuses SET mentions_count = max(mentions_count - 1, 0) WHERE id = OLD.status_id;
END;--> statement-breakpoint
CREATE TRIGGER tags_count_insert AFTER INSERT ON status_tags BEGIN
  UPDATE statuses SET tags_count = tags_count + 1 WHERE id = NEW.status_id;
END;--> statement-breakpoint
CREATE TRIGGER tags_count_delete AFTER DELETE ON status_tags BEGIN
  UPDATE statuses SET tags_count = max(tags_count - 1, 0) WHERE id = OLD.status_id;
END;
