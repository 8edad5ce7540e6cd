//! Agenda items as last taken from the issues, their reminder slots and the
//! queueing of agenda mails (SPEC §5).
//!
//! An item is known by its `uid` (the `id` in the front matter), so the same
//! meeting repeated in a later issue stays one item with one calendar UID and
//! gets its reminders once. A slot is one (item, offset); it fires once, and the
//! ledger's unique key (item, subscriber, slot) keeps every mail to one copy,
//! whatever happens to the file or the process.

use anyhow::Result;
use sqlx::{Any, Row, Transaction};

use super::{Db, segment_filter};
use crate::domain::issue::AgendaItem;
use crate::domain::subscriber::Segments;

/// One item of an issue with the instants its reminders are due.
#[derive(Debug, Clone)]
pub struct ItemPlan<'a> {
    pub item: &'a AgendaItem,
    /// (offset label, due instant in epoch seconds)
    pub due: Vec<(String, i64)>,
}

/// An item as stored, ready to be mailed about.
#[derive(Debug, Clone)]
pub struct StoredItem {
    pub id: i64,
    pub issue_id: i64,
    pub item: AgendaItem,
    /// The defining issue's audience: who an untagged item is for.
    pub audience: Segments,
    pub sequence: i64,
    pub cancelled: bool,
}

impl StoredItem {
    /// The segments whose followers the item is for; empty = everyone.
    pub fn target(&self) -> Segments {
        let tagged = Segments {
            workshops: self.item.workshop.iter().cloned().collect(),
            interests: self.item.interests.clone(),
        };
        if tagged.is_empty() {
            self.audience.clone()
        } else {
            tagged
        }
    }
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
    fn kind(self) -> &'static str {
        match self {
            FollowUp::Update => "update",
            FollowUp::Cancel => "cancel",
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
        for plan in plans {
            let item = plan.item;
            let fp = fingerprint(item);
            let json = serde_json::to_string(item)?;
            let status = if item.cancelled {
                "cancelled"
            } else {
                "active"
            };
            let old = existing(&mut tx, &item.id).await?;
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
                    .bind(&item.id)
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
                            FollowUp::Update => changes.updated.push(item.id.clone()),
                            FollowUp::Cancel => changes.cancelled.push(item.id.clone()),
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
        let listed: Vec<&str> = plans.iter().map(|p| p.item.id.as_str()).collect();
        let rows = sqlx::query(
            "SELECT id, uid, sequence, published, starts_at FROM agenda_items WHERE issue_id = $1 AND status = 'active'",
        )
        .bind(issue_id)
        .fetch_all(&mut *tx)
        .await?;
        for r in rows {
            let uid: String = r.get(1);
            let item_published = r.get::<i64, _>(3) == 1;
            if listed.contains(&uid.as_str()) || (item_published && !published) {
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

    /// Queues the reminders whose time has come, for items that are
    /// published, active and not yet started. When several slots of one item
    /// are due at once (the daemon was down), only the latest goes out: one
    /// reminder, not a pile. Returns the number of mails queued.
    pub async fn fire_due_reminders(&self, now: i64) -> Result<u64> {
        let rows = sqlx::query(
            "SELECT r.item_id, r.offset_label FROM agenda_reminders r JOIN agenda_items a ON a.id = r.item_id
             WHERE r.fired_at IS NULL AND r.due_at <= $1 AND a.status = 'active' AND a.published = 1 AND a.starts_at > $1
             ORDER BY r.item_id, r.due_at",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut latest: Vec<(i64, String)> = Vec::new();
        for r in rows {
            let (id, label): (i64, String) = (r.get(0), r.get(1));
            match latest.last_mut() {
                Some(last) if last.0 == id => last.1 = label,
                _ => latest.push((id, label)),
            }
        }
        let mut queued = 0;
        for (id, label) in latest {
            queued += self.fire_slot(id, &label, now).await?;
        }
        Ok(queued)
    }

    async fn fire_slot(&self, item_id: i64, label: &str, now: i64) -> Result<u64> {
        let Some(stored) = self.agenda_item(item_id).await? else {
            return Ok(0);
        };
        let mut tx = self.begin_write().await?;
        // Claims every due slot of the item; another process that got there
        // first leaves nothing to claim.
        let claimed = sqlx::query(
            "UPDATE agenda_reminders SET fired_at = $1 WHERE item_id = $2 AND fired_at IS NULL AND due_at <= $1",
        )
        .bind(now)
        .bind(item_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Ok(0);
        }
        let target = stored.target();
        let filter = segment_filter(&target, 5);
        let sql = format!(
            "INSERT INTO agenda_deliveries (item_id, subscriber_id, kind, slot, sequence, state, next_attempt_at, updated_at)
             SELECT $1, s.id, 'reminder', $2, $3, 'queued', $4, $4 FROM subscribers s
             WHERE s.status = 'active' AND s.reminders = 1{filter}
             ON CONFLICT (item_id, subscriber_id, slot) DO NOTHING"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(item_id)
            .bind(label)
            .bind(stored.sequence)
            .bind(now);
        for slug in target.workshops.iter().chain(&target.interests) {
            q = q.bind(slug);
        }
        let queued = q.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        tracing::info!(item = %stored.item.id, offset = label, recipients = queued, "reminders queued");
        Ok(queued)
    }

    /// When the next reminder slot falls due, if any.
    pub async fn next_reminder_due(&self, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MIN(r.due_at) FROM agenda_reminders r JOIN agenda_items a ON a.id = r.item_id
             WHERE r.fired_at IS NULL AND a.status = 'active' AND a.published = 1 AND a.starts_at > $1",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.get(0))
    }

    pub async fn agenda_item(&self, id: i64) -> Result<Option<StoredItem>> {
        let row = sqlx::query(
            "SELECT id, issue_id, item, audience, sequence, status FROM agenda_items WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(stored_item).transpose()
    }

    /// Active, published items starting in `[from, to)`, earliest first.
    pub async fn upcoming_items(&self, from: i64, to: i64) -> Result<Vec<StoredItem>> {
        let rows = sqlx::query(
            "SELECT id, issue_id, item, audience, sequence, status FROM agenda_items
             WHERE status = 'active' AND published = 1 AND starts_at >= $1 AND starts_at < $2
             ORDER BY starts_at, uid",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(stored_item).collect()
    }

    /// Queues this week's digest (slot `digest-<label>`) for every active
    /// subscriber who chose it. Whether there is anything to tell is decided
    /// when the mail is made; the unique key keeps it to one per run, also
    /// when several processes run the job.
    pub async fn queue_digests(&self, label: &str, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "INSERT INTO agenda_deliveries (item_id, subscriber_id, kind, slot, sequence, state, next_attempt_at, updated_at)
             SELECT 0, s.id, 'digest', $1, 0, 'queued', $2, $2 FROM subscribers s
             WHERE s.status = 'active' AND s.digest = 1
             ON CONFLICT (item_id, subscriber_id, slot) DO NOTHING",
        )
        .bind(format!("digest-{label}"))
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }

    /// Agenda mails about items that have started are pointless: they expire.
    pub async fn expire_agenda_mails(&self, now: i64) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE agenda_deliveries SET state = 'failed', last_reply = 'expired: the meeting has started', updated_at = $1
             WHERE state = 'queued' AND kind <> 'digest'
               AND item_id IN (SELECT id FROM agenda_items WHERE starts_at <= $1)",
        )
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}

/// An agenda item with its mail counts, for `postbode status`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ItemStatus {
    pub uid: String,
    pub title: String,
    pub status: String,
    pub starts_at: i64,
    pub sequence: i64,
    pub published: bool,
    /// kind → state → count
    pub mails: std::collections::BTreeMap<String, std::collections::BTreeMap<String, i64>>,
}

impl Db {
    /// Every agenda item, earliest first, with its mails per kind and state;
    /// digests are counted under the uid `digest`.
    pub async fn agenda_status(&self) -> Result<Vec<ItemStatus>> {
        let rows = sqlx::query(
            "SELECT id, uid, item, status, starts_at, sequence, published FROM agenda_items ORDER BY starts_at, uid",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        let mut index = std::collections::HashMap::new();
        for r in &rows {
            let item: AgendaItem = serde_json::from_str(&r.get::<String, _>(2))?;
            index.insert(r.get::<i64, _>(0), out.len());
            out.push(ItemStatus {
                uid: r.get(1),
                title: item.title,
                status: r.get(3),
                starts_at: r.get(4),
                sequence: r.get(5),
                published: r.get::<i64, _>(6) == 1,
                mails: Default::default(),
            });
        }
        let counts = sqlx::query(
            "SELECT item_id, kind, state, COUNT(*) FROM agenda_deliveries GROUP BY item_id, kind, state",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in counts {
            let id: i64 = r.get(0);
            let slot = match index.get(&id) {
                Some(&i) => i,
                None => {
                    index.insert(id, out.len());
                    out.push(ItemStatus {
                        uid: "digest".into(),
                        title: "Agenda digest".into(),
                        status: "active".into(),
                        starts_at: 0,
                        sequence: 0,
                        published: true,
                        mails: Default::default(),
                    });
                    out.len() - 1
                }
            };
            out[slot]
                .mails
                .entry(r.get(1))
                .or_default()
                .insert(r.get(2), r.get(3));
        }
        Ok(out)
    }
}

fn stored_item(r: &sqlx::any::AnyRow) -> Result<StoredItem> {
    let item: AgendaItem = serde_json::from_str(&r.get::<String, _>(2))?;
    let audience: Segments = serde_json::from_str(&r.get::<String, _>(3))?;
    Ok(StoredItem {
        id: r.get(0),
        issue_id: r.get(1),
        item,
        audience,
        sequence: r.get(4),
        cancelled: r.get::<String, _>(5) == "cancelled",
    })
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
        .bind(follow.kind())
        .bind(format!("{}-{sequence}", follow.kind()))
        .bind(sequence)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}
