//! Reminder slots falling due and the agenda mails they queue: reminders at
//! their time, the weekly digest, and expiry of mails about meetings that have
//! started.

use anyhow::Result;
use sqlx::Row;

use super::super::{Db, segment_filter};

impl Db {
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
        for slug in target.all() {
            q = q.bind(slug.as_str());
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
