-- What sending needs of an issue is stored when its file is taken in, so the
-- scheduler starts it without parsing the file again: the audience (JSON
-- segments) and its agenda items (JSON, as in agenda_items.item). NULL on
-- rows taken in before this migration; the upgrade fills them once from the
-- stored text. The web archive's HTML is compiled once, on its first view.
ALTER TABLE issues ADD COLUMN audience TEXT;
ALTER TABLE issues ADD COLUMN agenda TEXT;
ALTER TABLE issues ADD COLUMN archive_html TEXT;

-- What the operator must look at: a message that could not be built because
-- of a fault in postbode, a delivery worker that stopped. `postbode status`
-- shows the newest.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    message TEXT NOT NULL
);
