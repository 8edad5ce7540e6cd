-- Agenda reminders and the weekly digest: the items as last taken from the
-- issues, one reminder slot per (item, offset), and a ledger of agenda mails
-- per subscriber whose unique key makes every mail go out at most once.

-- 1 = the subscriber chose the weekly agenda digest in the preference centre.
ALTER TABLE subscribers ADD COLUMN digest BIGINT NOT NULL DEFAULT 0;

CREATE TABLE agenda_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,          -- the item's id; the calendar UID is uid@sender-domain
    issue_id BIGINT NOT NULL REFERENCES issues (id),  -- the issue that last defined it
    item TEXT NOT NULL,                -- the item as JSON, as last taken
    audience TEXT NOT NULL,            -- the issue's audience as JSON, for untagged items
    fingerprint TEXT NOT NULL,         -- title, time and place: a change means an update mail
    sequence BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,              -- active | cancelled
    published BIGINT NOT NULL DEFAULT 0,  -- 1 once an issue with the item started sending
    starts_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE agenda_reminders (
    item_id BIGINT NOT NULL REFERENCES agenda_items (id),
    offset_label TEXT NOT NULL,        -- 7d, 1d, 2h
    due_at BIGINT NOT NULL,
    fired_at BIGINT,                   -- when its mails were queued
    PRIMARY KEY (item_id, offset_label)
);
CREATE INDEX agenda_reminders_due ON agenda_reminders (fired_at, due_at);

CREATE TABLE agenda_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id BIGINT NOT NULL,           -- agenda_items.id; 0 for a digest
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,                -- reminder | update | cancel | digest
    slot TEXT NOT NULL,                -- the offset, update-N, cancel, or digest-<date>
    sequence BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,               -- as deliveries.state
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_at BIGINT,
    updated_at BIGINT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    last_reply TEXT NOT NULL DEFAULT '',
    UNIQUE (item_id, subscriber_id, slot)
);
CREATE INDEX agenda_deliveries_due ON agenda_deliveries (state, next_attempt_at);
CREATE INDEX agenda_deliveries_subscriber ON agenda_deliveries (subscriber_id);
