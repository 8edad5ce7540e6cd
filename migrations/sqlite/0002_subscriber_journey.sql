-- The subscriber journey: confirmation-mail throttling, the suppression list that
-- outlives erasure, and small settings such as the suppression hash salt.

ALTER TABLE subscribers ADD COLUMN confirmation_sent_at BIGINT;

-- Addresses that must never be mailed again by accident (erased, hard-bounced,
-- complained): only a salted SHA-256 of the lower-cased address is kept.
CREATE TABLE suppressions (
    email_hash TEXT PRIMARY KEY,
    reason TEXT NOT NULL,          -- erased | bounced | complained | operator
    at BIGINT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
