-- Several `postbode serve` processes on one database (PostgreSQL): every
-- claimed or sending ledger row names the process that holds it, so a row is
-- put back only when that process is gone, never under a live one.
ALTER TABLE deliveries ADD COLUMN claimed_by BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agenda_deliveries ADD COLUMN claimed_by BIGINT NOT NULL DEFAULT 0;
