-- The operator's stop on an issue (`postbode pause|resume|cancel SLUG`):
-- '' none, 'paused' or 'cancelled'. Kept beside `status`, which stays the
-- issue's own lifecycle, so a paused issue resumes where it was (scheduled or
-- sending) and an operator's cancel is told apart from a removed file. Every
-- process claiming deliveries reads it, so a stop holds across processes.
ALTER TABLE issues ADD COLUMN hold TEXT NOT NULL DEFAULT '';
-- When the hold began: the pause does not count towards the expiry of the
-- issue's messages (smtp.expire_hours).
ALTER TABLE issues ADD COLUMN held_at BIGINT;
