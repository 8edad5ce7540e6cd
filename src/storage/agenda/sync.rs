//! Taking an issue's agenda: new items, changed ones (an update mail to those
//! reminded), cancelled or removed ones (a cancellation), and their slots.

use anyhow::Result;
use sqlx::{Any, Row, Transaction};

use super::super::Db;
use crate::domain::delivery::AgendaMailKind;
use crate::domain::issue::AgendaItem;
use crate::domain::segments::Segments;

/// One item of an issue with the instants its reminders are due.
#[derive(Debug, Clone)]
pub struct ItemPlan<'a> {
    pub item: &'a AgendaItem,
    /// (offset label, due instant in epoch seconds)
    pub due: Vec<(String, i64)>,
}

/// What taking an issue's agenda changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct AgendaChanges {
    pub added: usize,
    /// Items whose time or place changed (update mails go to those reminded).
    pub updated: Vec<String>,
    /// Items cancelled or removed (cancellation mails go to those reminded).
    pub cancelled: Vec<String>,
    /// Update and cancellation mails queued.
    pub mails: u64,
}

/// Which mail follows a change of an item that people were reminded of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FollowUp {
    Update,
    Cancel,
}

impl FollowUp {
    fn kind(self) -> AgendaMailKind {
        match self {
            FollowUp::Update => AgendaMailKind::Update,
            FollowUp::Cancel => AgendaMailKind::Cancel,
        }
    }

    /// Who gets it: everyone who has the event in their calendar from us.
    fn told_kinds(self) -> &'static str {
        match self {
            FollowUp::Update => "'reminder', 'update', 'cancel'",
            FollowUp::Cancel => "'reminder', 'update'",
        }
    }
}

/// Time and place: what makes a change worth an update mail.
fn fingerprint(item: &AgendaItem) -> String {
    format!(
        "{}|{}|{}",
        item.start.timestamp(),
        item.end
            .map(|e| e.timestamp().to_string())
            .unwrap_or_default(),
        item.location.trim()
    )
}

struct Existing {
    id: i64,
    fingerprint: String,
    sequence: i64,
    active: bool,
    published: bool,
    starts_at: i64,
}

impl Db {
    /// Takes the agenda of issue `issue_id` as it now stands. `published` is
    /// true when the issue has started sending (its items may be reminded of).
    /// Items of this issue that are no longer listed are cancelled, unless the
    /// issue was never published and the item was published by another issue.
    pub async fn sync_agenda(
        &self,
        issue_id: i64,
        audience: &Segments,
        plans: &[ItemPlan<'_>],
        published: bool,
        now: i64,
    ) -> Result<AgendaChanges> {
        let mut changes = AgendaChanges::default();
        let audience_json = serde_json::to_string(audience)?;
        // Reads each item, then writes it: the write lock is taken up front.
        let mut tx = self.begin_write().await?;
        let given: Vec<&str> = plans.iter().map(|p| p.item.id.as_str()).collect();
        let mut listed: Vec<String> = Vec::new();
        for plan in plans {
            let mut moved;
            let mut item = plan.item;
            let mut old = existing(&mut tx, item.id.as_str()).await?;
            if old.is_none() && item.id_guessed {
                // Its date changed, and with it the guessed id: the stored
                // item of this issue with the same title is this one, moved.
                if let Some(uid) =
                    same_title(&mut tx, issue_id, &item.title, &given, &listed).await?
                {
                    moved = item.clone();
                    moved.id =
                        crate::domain::slug::Slug::parse(&uid).map_err(anyhow::Error::msg)?;
                    item = &moved;
                    old = existing(&mut tx, &uid).await?;
                }
            }
            listed.push(item.id.to_string());
            let fp = fingerprint(item);
            let json = serde_json::to_string(item)?;
            let status = if item.cancelled {
                "cancelled"
            } else {
                "active"
            };
            if old.as_ref().is_some_and(|o| o.published) && !published {
                // A published meeting changes only through a published issue:
                // a draft that repeats it must not send updates while edited.
                continue;
            }
            let id = match old {
                None => {
                    let row = sqlx::query(
                        "INSERT INTO agenda_items (uid, issue_id, item, audience, fingerprint, sequence, status, published, starts_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(item.id.as_str())
                    .bind(issue_id)
                    .bind(&json)
                    .bind(&audience_json)
                    .bind(&fp)
                    .bind(status)
                    .bind(i64::from(published))
                    .bind(item.start.timestamp())
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    changes.added += 1;
                    row.get::<i64, _>(0)
                }
                Some(old) => {
                    let follow = match (old.active, item.cancelled) {
                        (true, true) => Some(FollowUp::Cancel),
                        (false, false) => Some(FollowUp::Update),
                        (true, false) if old.fingerprint != fp => Some(FollowUp::Update),
                        _ => None,
                    };
                    let mut sequence = old.sequence;
                    if let Some(f) = follow {
                        sequence += 1;
                        // History is not rewritten: no mail about a meeting
                        // that has already started.
                        if old.starts_at > now && item.start.timestamp() > now {
                            changes.mails +=
                                queue_follow_up(&mut tx, old.id, f, sequence, now).await?;
                        }
                        match f {
                            FollowUp::Update => changes.updated.push(item.id.to_string()),
                            FollowUp::Cancel => changes.cancelled.push(item.id.to_string()),
                        }
                    }
                    sqlx::query(
                        "UPDATE agenda_items SET issue_id = $1, item = $2, audience = $3, fingerprint = $4, sequence = $5,
                             status = $6, published = CASE WHEN published = 1 OR $7 = 1 THEN 1 ELSE 0 END,
                             starts_at = $8, updated_at = $9
                         WHERE id = $10",
                    )
                    .bind(issue_id)
                    .bind(&json)
                    .bind(&audience_json)
                    .bind(&fp)
                    .bind(sequence)
                    .bind(status)
                    .bind(i64::from(published))
                    .bind(item.start.timestamp())
                    .bind(now)
                    .bind(old.id)
                    .execute(&mut *tx)
                    .await?;
                    old.id
                }
            };
            replace_slots(&mut tx, id, if item.cancelled { &[] } else { &plan.due }).await?;
            if item.cancelled {
                drop_pending(&mut tx, id, now).await?;
            }
        }

        // Items this issue defined before and no longer lists.
        let rows = sqlx::query(
            "SELECT id, uid, sequence, published, starts_at FROM agenda_items WHERE issue_id = $1 AND status = 'active'",
        )
        .bind(issue_id)
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            let uid: String = r.get(1);
            let item_published = r.get::<i64, _>(3) == 1;
            if listed.contains(&uid) || (item_published && !published) {
                continue;
            }
            let id: i64 = r.get(0);
            let sequence = r.get::<i64, _>(2) + 1;
            if r.get::<i64, _>(4) > now {
                changes.mails +=
                    queue_follow_up(&mut tx, id, FollowUp::Cancel, sequence, now).await?;
            }
            sqlx::query(
                "UPDATE agenda_items SET status = 'cancelled', sequence = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(sequence)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            replace_slots(&mut tx, id, &[]).await?;
            drop_pending(&mut tx, id, now).await?;
            changes.cancelled.push(uid);
        }
        tx.commit().await?;
        Ok(changes)
    }
}

/// The id of the active item of `issue_id` titled `title` that no item of
/// the file names (`given`) and none taken so far (`taken`) is.
async fn same_title(
    tx: &mut Transaction<'static, Any>,
    issue_id: i64,
    title: &str,
    given: &[&str],
    taken: &[String],
) -> Result<Option<String>> {
    let rows =
        sqlx::query("SELECT uid, item FROM agenda_items WHERE issue_id = $1 AND status = 'active'")
            .bind(issue_id)
            .fetch_all(&mut **tx)
            .await?;
    Ok(rows.iter().find_map(|r| {
        let uid: String = r.get(0);
        let item: AgendaItem = serde_json::from_str(&r.get::<String, _>(1)).ok()?;
        let free = !given.contains(&uid.as_str()) && !taken.contains(&uid);
        (free && item.title == title).then_some(uid)
    }))
}

async fn existing(tx: &mut Transaction<'static, Any>, uid: &str) -> Result<Option<Existing>> {
    let row = sqlx::query(
        "SELECT id, fingerprint, sequence, status, starts_at, published FROM agenda_items WHERE uid = $1",
    )
    .bind(uid)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(|r| Existing {
        id: r.get(0),
        fingerprint: r.get(1),
        sequence: r.get(2),
        active: r.get::<String, _>(3) == "active",
        starts_at: r.get(4),
        published: r.get::<i64, _>(5) == 1,
    }))
}

/// The unfired slots of an item become `due`; fired slots stay fired, so a
/// moved meeting does not get the same reminder twice.
async fn replace_slots(
    tx: &mut Transaction<'static, Any>,
    item_id: i64,
    due: &[(String, i64)],
) -> Result<()> {
    sqlx::query("DELETE FROM agenda_reminders WHERE item_id = $1 AND fired_at IS NULL")
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
    for (label, at) in due {
        sqlx::query(
            "INSERT INTO agenda_reminders (item_id, offset_label, due_at) VALUES ($1, $2, $3)
             ON CONFLICT (item_id, offset_label) DO NOTHING",
        )
        .bind(item_id)
        .bind(label)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Reminders and updates of a cancelled item that have not gone out never will.
async fn drop_pending(tx: &mut Transaction<'static, Any>, item_id: i64, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE agenda_deliveries SET state = 'skipped', last_reply = 'the meeting was cancelled', updated_at = $1
         WHERE item_id = $2 AND state IN ('queued', 'claimed') AND kind IN ('reminder', 'update')",
    )
    .bind(now)
    .bind(item_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Queues an update or cancellation to everyone we told about the item.
async fn queue_follow_up(
    tx: &mut Transaction<'static, Any>,
    item_id: i64,
    follow: FollowUp,
    sequence: i64,
    now: i64,
) -> Result<u64> {
    let sql = format!(
        "INSERT INTO agenda_deliveries (item_id, subscriber_id, kind, slot, sequence, state, next_attempt_at, updated_at)
         SELECT DISTINCT $1, d.subscriber_id, $2, $3, $4, 'queued', $5, $5 FROM agenda_deliveries d
         WHERE d.item_id = $1 AND d.kind IN ({}) AND d.state IN ('sent', 'unknown')
         ON CONFLICT (item_id, subscriber_id, slot) DO NOTHING",
        follow.told_kinds()
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(item_id)
        .bind(follow.kind().as_str())
        .bind(format!("{}-{sequence}", follow.kind()))
        .bind(sequence)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}
