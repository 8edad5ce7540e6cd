-- postbode schema (SQLite). Times are seconds since the epoch (BIGINT) so the
-- same SQL runs on SQLite and PostgreSQL through sqlx's Any driver.

CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    -- lower-cased address: one subscriber per mailbox, whatever the casing
    email_key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'nl',
    reminders BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    unsubscribed_at BIGINT
);
CREATE INDEX subscribers_status ON subscribers (status);

CREATE TABLE subscriber_segments (
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,            -- workshop | interest
    slug TEXT NOT NULL,
    PRIMARY KEY (subscriber_id, kind, slug)
);
CREATE INDEX subscriber_segments_slug ON subscriber_segments (kind, slug);

-- Consent history: what was agreed to, when, from where; confirmations and withdrawals.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    event TEXT NOT NULL,           -- subscribed | imported | confirmed | withdrawn
    text TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    ip TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX consents_subscriber ON consents (subscriber_id);

CREATE TABLE issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL,
    -- the text that is (or was) sent: later edits of the file cannot change a sent issue
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    send_at BIGINT,
    errors TEXT NOT NULL DEFAULT '',
    warning TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    started_at BIGINT,
    sent_at BIGINT
);

-- The ledger: one row per (issue, subscriber), claimed before sending and
-- marked after the server's reply.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    state TEXT NOT NULL,           -- queued | claimed | sending | sent | failed | unknown | skipped
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_at BIGINT,
    updated_at BIGINT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    last_reply TEXT NOT NULL DEFAULT '',
    UNIQUE (issue_id, subscriber_id)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
CREATE INDEX deliveries_subscriber ON deliveries (subscriber_id);

CREATE TABLE unsubscribes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id BIGINT REFERENCES subscribers (id) ON DELETE SET NULL,
    issue_id BIGINT,
    source TEXT NOT NULL,          -- one-click | page | preferences | bounce | complaint | operator
    reason TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX unsubscribes_issue ON unsubscribes (issue_id);
