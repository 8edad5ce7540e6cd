-- Bounces and complaints reported by the MTA (`postbode bounce`): one row per
-- report, tied to the ledger row of the message it is about.

CREATE TABLE bounces (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subscriber_id BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    ledger TEXT NOT NULL,          -- issues | agenda
    row_id BIGINT NOT NULL,        -- deliveries.id or agenda_deliveries.id
    kind TEXT NOT NULL,            -- hard | soft | policy | delayed | complaint
    status TEXT NOT NULL DEFAULT '',     -- the DSN status (5.1.1) or the feedback type (abuse)
    diagnostic TEXT NOT NULL DEFAULT '', -- the remote server's words, addresses masked
    at BIGINT NOT NULL
);
CREATE INDEX bounces_subscriber ON bounces (subscriber_id, kind, at);

-- A report without a VERP address is matched on the Message-ID it quotes.
CREATE INDEX deliveries_message_id ON deliveries (message_id);
CREATE INDEX agenda_deliveries_message_id ON agenda_deliveries (message_id);
