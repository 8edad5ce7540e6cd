-- Outgoing webhooks: each event is written in the transaction of the change
-- that causes it, with one delivery row per webhook that wants its kind; the
-- sender (on the leading process) POSTs them in id order per webhook and
-- subscriber. subscriber_id is no foreign key: an erasure deletes the rows
-- itself, and an event of a purged subscriber may still be delivered.
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subscriber_id INTEGER,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_events_subscriber ON webhook_events (subscriber_id);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id INTEGER NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    webhook TEXT NOT NULL,
    -- The delivery's id, sent as Postbode-Delivery and the payload's "id".
    uuid TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
