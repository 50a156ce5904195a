-- Counters kept by triggers, so concurrent favourites, boosts, replies and follows can never leave
-- them wrong and no request has to read-modify-write them. Rules follow Mastodon: direct statuses
-- don't count towards statuses_count; only public and unlisted replies count towards replies_count.

CREATE TRIGGER favourites_count_insert AFTER INSERT ON favourites BEGIN
  UPDATE statuses SET favourites_count = favourites_count + 1 WHERE id = NEW.status_id;
END;
--> statement-breakpoint
CREATE TRIGGER favourites_count_delete AFTER DELETE ON favourites BEGIN
  UPDATE statuses SET favourites_count = max(favourites_count - 1, 0) WHERE id = OLD.status_id;
END;
--> statement-breakpoint
CREATE TRIGGER statuses_counts_insert AFTER INSERT ON statuses BEGIN
  UPDATE statuses SET reblogs_count = reblogs_count + 1 WHERE NEW.reblog_of_id IS NOT NULL AND id = NEW.reblog_of_id;
  UPDATE statuses SET replies_count = replies_count + 1
    WHERE NEW.in_reply_to_id IS NOT NULL AND NEW.visibility IN ('public', 'unlisted') AND id = NEW.in_reply_to_id;
  UPDATE accounts SET statuses_count = statuses_count + 1, last_status_at = NEW.created_at
    WHERE NEW.visibility != 'direct' AND id = NEW.account_id;
END;
--> statement-breakpoint
CREATE TRIGGER statuses_counts_delete AFTER DELETE ON statuses BEGIN
  UPDATE statuses SET reblogs_count = max(reblogs_count - 1, 0) WHERE OLD.reblog_of_id IS NOT NULL AND id = OLD.reblog_of_id;
  UPDATE statuses SET replies_count = max(replies_count - 1, 0)
    WHERE OLD.in_reply_to_id IS NOT NULL AND OLD.visibility IN ('public', 'unlisted') AND id = OLD.in_reply_to_id;
  UPDATE accounts SET statuses_count = max(statuses_count - 1, 0) WHERE OLD.visibility != 'direct' AND id = OLD.account_id;
END;
--> statement-breakpoint
CREATE TRIGGER follows_count_insert AFTER INSERT ON follows BEGIN
  UPDATE accounts SET following_count = following_count + 1 WHERE id = NEW.account_id;
  UPDATE accounts SET followers_count = followers_count + 1 WHERE id = NEW.target_account_id;
END;
--> statement-breakpoint
CREATE TRIGGER follows_count_delete AFTER DELETE ON follows BEGIN
  UPDATE accounts SET following_count = max(following_count - 1, 0) WHERE id = OLD.account_id;
  UPDATE accounts SET followers_count = max(followers_count - 1, 0) WHERE id = OLD.target_account_id;
END;
--> statement-breakpoint
CREATE TRIGGER poll_votes_count_insert AFTER INSERT ON poll_votes BEGIN
  UPDATE polls SET
    votes_count = votes_count + 1,
    voters_count = voters_count + (
      SELECT CASE WHEN count(*) = 1 THEN 1 ELSE 0 END FROM poll_votes WHERE poll_id = NEW.poll_id AND account_id = NEW.account_id
    ),
    tallies = json_set(tallies, '$[' || NEW.choice || ']', coalesce(json_extract(tallies, '$[' || NEW.choice || ']'), 0) + 1)
  WHERE id = NEW.poll_id;
END;
