-- Every signed link carries its subscriber's link generation; raising it
-- revokes every link made before (on request from the preference page, on
-- erasure, and through the admin API).
ALTER TABLE subscribers ADD COLUMN link_generation BIGINT NOT NULL DEFAULT 0;

-- The hourly cap on mails sent from the web pages counts recent ones.
CREATE INDEX subscribers_confirmation_sent ON subscribers (confirmation_sent_at);
