//! Click counts (`tracking.clicks`): the links of each issue by their place
//! in it, and one number per link. A click adds one to that number and
//! nothing else is kept: not who, not from where, not when.

use anyhow::Result;
use serde::Serialize;
use sqlx::Row;

use super::Db;

/// How often one link of one issue was followed.
#[derive(Debug, Clone, Serialize)]
pub struct ClickCount {
    pub issue: String,
    /// The link's place among the issue's links, from 0.
    pub link: i64,
    pub url: String,
    pub clicks: i64,
}

impl Db {
    /// Stores `urls` as the links of issue `issue_id`, replacing what an
    /// earlier version of the file had. Only issues not yet sending are
    /// taken in again, so no click is lost.
    pub async fn set_issue_links(&self, issue_id: i64, urls: &[String]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM issue_links WHERE issue_id = $1")
            .bind(issue_id)
            .execute(&mut *tx)
            .await?;
        for (i, url) in urls.iter().enumerate() {
            sqlx::query("INSERT INTO issue_links (issue_id, link_index, url) VALUES ($1, $2, $3)")
                .bind(issue_id)
                .bind(i64::try_from(i)?)
                .bind(url)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The address of link `index` of the issue `slug`, once it has been
    /// sent (being sent or sent); with `count`, the click is counted.
    /// None: no such issue, not sent, or no such link.
    pub async fn follow_link(&self, slug: &str, index: i64, count: bool) -> Result<Option<String>> {
        let row = if count {
            sqlx::query(
                "UPDATE issue_links SET clicks = clicks + 1 WHERE link_index = $2 AND issue_id =
                 (SELECT id FROM issues WHERE slug = $1 AND status IN ('sending', 'sent')) RETURNING url",
            )
            .bind(slug)
            .bind(index)
            .fetch_optional(&self.pool)
            .await?
        } else {
            sqlx::query(
                "SELECT url FROM issue_links WHERE link_index = $2 AND issue_id =
                 (SELECT id FROM issues WHERE slug = $1 AND status IN ('sending', 'sent'))",
            )
            .bind(slug)
            .bind(index)
            .fetch_optional(&self.pool)
            .await?
        };
        Ok(row.map(|r| r.get(0)))
    }

    /// Every link of every issue with its count, issues by slug, links in order.
    pub async fn click_counts(&self) -> Result<Vec<ClickCount>> {
        let rows = sqlx::query(
            "SELECT i.slug, l.link_index, l.url, l.clicks FROM issue_links l JOIN issues i ON i.id = l.issue_id
             WHERE i.status IN ('sending', 'sent') ORDER BY i.slug, l.link_index",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| ClickCount {
                issue: r.get(0),
                link: r.get(1),
                url: r.get(2),
                clicks: r.get(3),
            })
            .collect())
    }
}
