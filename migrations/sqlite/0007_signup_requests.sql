-- A sign-up for an address that is already known (it had unsubscribed) is
-- held apart until the person confirms it from the mail: the record keeps
-- its status, name, choices and history meanwhile, so an anonymous form post
-- changes nobody's record. A request expires with its confirmation link.
CREATE TABLE signup_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    name TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT 'nl',
    reminders BIGINT NOT NULL DEFAULT 0,
    segments TEXT NOT NULL,            -- JSON, as agenda_items.audience
    consent_text TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX signup_requests_subscriber ON signup_requests (subscriber_id);
