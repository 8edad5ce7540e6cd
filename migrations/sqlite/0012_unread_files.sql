-- Files in newsletters/ that look meant as issues but are not read as one
-- (a name with spaces, `.md.txt`, a Word file): kept so that `postbode
-- status` lists them and the editors are told once per file.
CREATE TABLE unread_files (
    file TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    seen_at BIGINT NOT NULL
);
