-- An editor's approval of an issue (platform.require_approval): the version
-- of the text that was approved (its content hash), when, and how (the
-- signed link in the proof, or the command line). A change of the text
-- clears approved_hash in the same statement that stores the new text, so
-- an approval never counts for a version nobody saw.
ALTER TABLE issues ADD COLUMN approved_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE issues ADD COLUMN approved_at BIGINT;
ALTER TABLE issues ADD COLUMN approved_via TEXT NOT NULL DEFAULT '';
