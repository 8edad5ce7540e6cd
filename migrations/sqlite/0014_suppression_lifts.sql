-- An operator's deliberate lift of a suppression (`postbode subscribers
-- unsuppress EMAIL --reason TEXT`): the same salted hash the suppression
-- kept (no address), why it had been suppressed, the operator's reason and
-- when. Kept as the record that the address may be mailed again on purpose.
CREATE TABLE suppression_lifts (
    email_hash TEXT NOT NULL,
    suppressed_for TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
);
