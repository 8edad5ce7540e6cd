-- Click counting (tracking.clicks): the links of each issue, by their place
-- in it, and how often each was followed. Nothing about who followed a link
-- or when: no subscriber, no address, no time per click.
CREATE TABLE issue_links (
    issue_id INTEGER NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
    link_index INTEGER NOT NULL,
    url TEXT NOT NULL,
    clicks BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (issue_id, link_index)
);
