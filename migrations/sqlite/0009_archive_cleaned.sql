-- The web archive now serves each issue cleaned of scripts, event handlers
-- and unsafe links. Pages compiled by an earlier version were stored as the
-- mail was sent: forget them, so the next view compiles and cleans them anew.
UPDATE issues SET archive_html = NULL;
