-- Full-text search over status text (GET /api/v2/search, type=statuses) and the upkeep of
-- direct-message conversations when a status is deleted. Hand-written: drizzle cannot express FTS5
-- virtual tables or triggers.
--
-- statuses_fts is a contentless FTS5 table (the text already lives in `statuses`): rowid = status id,
-- one row per original status (boosts carry no text of their own). Its body is the content warning
-- plus what the author typed, or the (sanitized HTML) content when there is no typed text (remote
-- statuses). Contentless rows are removed with FTS5's 'delete' command, which must be given exactly
-- the values indexed, so the same expression is used everywhere below.
CREATE VIRTUAL TABLE `statuses_fts` USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
INSERT INTO statuses_fts(rowid, body)
  SELECT id, spoiler_text || ' ' || CASE WHEN text <> '' THEN text ELSE content END FROM statuses WHERE reblog_of_id IS NULL;
--> statement-breakpoint
CREATE TRIGGER statuses_fts_insert AFTER INSERT ON statuses WHEN NEW.reblog_of_id IS NULL BEGIN
  INSERT INTO statuses_fts(rowid, body)
    VALUES (NEW.id, NEW.spoiler_text || ' ' || CASE WHEN NEW.text <> '' THEN NEW.text ELSE NEW.content END);
END;
--> statement-breakpoint
CREATE TRIGGER statuses_fts_update AFTER UPDATE OF text, spoiler_text, content ON statuses WHEN OLD.reblog_of_id IS NULL BEGIN
  INSERT INTO statuses_fts(statuses_fts, rowid, body)
    VALUES ('delete', OLD.id, OLD.spoiler_text || ' ' || CASE WHEN OLD.text <> '' THEN OLD.text ELSE OLD.content END);
  INSERT INTO statuses_fts(rowid, body)
    VALUES (NEW.id, NEW.spoiler_text || ' ' || CASE WHEN NEW.text <> '' THEN NEW.text ELSE NEW.content END);
END;
--> statement-breakpoint
CREATE TRIGGER statuses_fts_delete AFTER DELETE ON statuses WHEN OLD.reblog_of_id IS NULL BEGIN
  INSERT INTO statuses_fts(statuses_fts, rowid, body)
    VALUES ('delete', OLD.id, OLD.spoiler_text || ' ' || CASE WHEN OLD.text <> '' THEN OLD.text ELSE OLD.content END);
END;
--> statement-breakpoint
-- A deleted direct status leaves the conversations that hold it (Mastodon's
-- AccountConversation.remove_status): last_status_id falls back to the previous status, and a
-- conversation left without statuses is removed.
CREATE TRIGGER account_conversations_status_delete AFTER DELETE ON statuses WHEN OLD.visibility = 'direct' BEGIN
  UPDATE account_conversations SET
    status_ids = (SELECT json_group_array(value) FROM (
      SELECT value FROM json_each(account_conversations.status_ids) WHERE value <> OLD.id ORDER BY value)),
    last_status_id = (SELECT max(value) FROM json_each(account_conversations.status_ids) WHERE value <> OLD.id)
  WHERE conversation_id = coalesce(OLD.conversation_id, OLD.id)
    AND EXISTS (SELECT 1 FROM json_each(account_conversations.status_ids) WHERE value = OLD.id);
  DELETE FROM account_conversations WHERE conversation_id = coalesce(OLD.conversation_id, OLD.id) AND last_status_id IS NULL;
END;
