//! Many ledger rows in one statement: the sender's workers mark messages
//! `sending` and record their outcomes by the dozen, so the database sees one
//! statement per group instead of two per message (on SQLite every statement
//! is a hand-off to its thread and a commit). Each row keeps the rules
//! of its one-row counterpart in `deliveries`: a row is only marked `sending`
//! while claimed, its subscriber active and its issue not held; an outcome
//! only lands on a row still in hand.

use anyhow::Result;
use sqlx::AnyConnection;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};

use super::Db;
use super::holds::held_check;
use crate::domain::delivery::{DeliveryState, Ledger};

/// Rows per statement: far below SQLite's and PostgreSQL's limits on bound
/// values (5 per row), and big enough that a statement serves every worker.
const CHUNK: usize = 200;

/// A message about to be handed to the SMTP server.
#[derive(Debug, Clone)]
pub struct Sending {
    pub id: i64,
    pub message_id: String,
    pub at: i64,
}

/// What became of a message (or of a row not sent).
#[derive(Debug, Clone)]
pub struct Finished {
    pub id: i64,
    pub state: DeliveryState,
    pub reply: String,
    /// Due again then (a retry); None keeps the row's time.
    pub retry_at: Option<i64>,
    pub at: i64,
}

/// `($1, $2, $3), ($4, $5, $6) …`: `rows` tuples of `width` numbered binds.
fn values(rows: usize, width: usize) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..width {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * width + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// The writes of one group: outcomes and sends, each of one ledger.
#[derive(Debug, Default)]
pub struct Group {
    pub finished: Vec<(Ledger, Finished)>,
    pub sending: Vec<(Ledger, Sending)>,
}

/// A connection kept by the one task that writes the workers' groups. On
/// SQLite a connection's page cache is dropped whenever another connection
/// wrote since it was last used, so a pooled connection taken afresh for
/// each group would read the ledger's pages back from disk every time.
pub struct LedgerLine {
    conn: PoolConnection<Any>,
}

impl LedgerLine {
    /// Writes a group: one statement per ledger (and per 200 rows), outcomes
    /// and sends together, each row under its own rule. Returns the rows now
    /// `sending`. Each statement stands alone, like the one-row writes: an
    /// error is returned, and what an earlier statement wrote stays written:
    /// writing an outcome again is harmless, and a row marked for a worker
    /// told its mark failed is taken back by [`Db::release_unsent`].
    pub async fn write(&mut self, group: &Group) -> Result<Vec<(Ledger, i64)>> {
        let mut marked = Vec::new();
        for ledger in Ledger::ALL {
            let mut changes: Vec<Change<'_>> = Vec::new();
            for (l, row) in &group.finished {
                if *l == ledger {
                    changes.push(Change::Finished(row));
                }
            }
            for (l, row) in &group.sending {
                if *l == ledger {
                    changes.push(Change::Sending(row));
                }
            }
            for id in write_on(&mut self.conn, ledger, &changes).await? {
                marked.push((ledger, id));
            }
        }
        Ok(marked)
    }
}

impl Db {
    /// A connection for [`LedgerLine`], out of the pool until it is dropped.
    pub async fn ledger_line(&self) -> Result<LedgerLine> {
        Ok(LedgerLine {
            conn: self.pool.acquire().await?,
        })
    }

    /// Marks the rows `sending` (attempts + 1, their Message-IDs) where the
    /// one-row `mark_sending` would; returns the ids that were. The others
    /// are for `mark_sending` to sort out one by one (paused, unsubscribed).
    pub async fn mark_sending_many(&self, ledger: Ledger, rows: &[Sending]) -> Result<Vec<i64>> {
        let changes: Vec<Change<'_>> = rows.iter().map(Change::Sending).collect();
        write_on(&mut *self.pool.acquire().await?, ledger, &changes).await
    }

    /// Back to the queue: a row whose `sending` mark was asked for and came
    /// back as an error, its message not sent. The mark may have been written
    /// all the same (an earlier statement of the same group, or a commit
    /// whose answer was lost), so the row is taken back from `sending` too,
    /// but only with this attempt's Message-ID: a mark no one else made.
    pub async fn release_unsent(&self, ledger: Ledger, row: &Sending, now: i64) -> Result<()> {
        let t = ledger.table();
        let sql = format!(
            "UPDATE {t} SET state = 'queued',
                    attempts = CASE WHEN state = 'sending' THEN attempts - 1 ELSE attempts END,
                    updated_at = $1
             WHERE id = $2 AND (state = 'claimed' OR (state = 'sending' AND message_id = $3))"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now)
            .bind(row.id)
            .bind(row.message_id.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records the outcomes, each on its row if still `claimed` or `sending`
    /// (a row cancelled meanwhile stays `cancelled`), as `finish` does.
    pub async fn finish_many(&self, ledger: Ledger, rows: &[Finished]) -> Result<()> {
        let changes: Vec<Change<'_>> = rows.iter().map(Change::Finished).collect();
        write_on(&mut *self.pool.acquire().await?, ledger, &changes).await?;
        Ok(())
    }
}

/// One row's write in a group statement.
enum Change<'a> {
    Sending(&'a Sending),
    Finished(&'a Finished),
}

/// The rows of one ledger in one statement per chunk. A row to be sent is
/// marked only while claimed, its subscriber active and its issue not held
/// (as `mark_sending`); an outcome lands only on a row still `claimed` or
/// `sending` (as `finish`). Returns the ids now `sending`.
async fn write_on(
    conn: &mut AnyConnection,
    ledger: Ledger,
    rows: &[Change<'_>],
) -> Result<Vec<i64>> {
    let t = ledger.table();
    let mut marked = Vec::new();
    for chunk in rows.chunks(CHUNK) {
        // VALUES columns are named column1, column2 … in SQLite and
        // PostgreSQL alike: id, new state, Message-ID, reply, retry time, time.
        let sql = format!(
            "UPDATE {t} SET state = v.column2,
                    attempts = {t}.attempts + CASE WHEN v.column2 = 'sending' THEN 1 ELSE 0 END,
                    message_id = CASE WHEN v.column2 = 'sending' THEN v.column3 ELSE {t}.message_id END,
                    last_reply = CASE WHEN v.column2 = 'sending' THEN {t}.last_reply ELSE v.column4 END,
                    next_attempt_at = COALESCE(v.column5, {t}.next_attempt_at),
                    updated_at = v.column6
             FROM (VALUES {}) AS v
             WHERE {t}.id = v.column1
               AND ((v.column2 = 'sending' AND {t}.state = 'claimed'
                     AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = {t}.subscriber_id AND s.status = 'active'){})
                 OR (v.column2 <> 'sending' AND {t}.state IN ('claimed', 'sending')))
             RETURNING {t}.id, {t}.state",
            values(chunk.len(), 6),
            held_check(ledger)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for change in chunk {
            q = match change {
                Change::Sending(row) => q
                    .bind(row.id)
                    .bind("sending")
                    .bind(Some(row.message_id.as_str()))
                    .bind(None::<String>)
                    .bind(None::<i64>)
                    .bind(row.at),
                Change::Finished(row) => q
                    .bind(row.id)
                    .bind(row.state.as_str())
                    .bind(None::<&str>)
                    .bind(Some(row.reply.chars().take(500).collect::<String>()))
                    .bind(row.retry_at)
                    .bind(row.at),
            };
        }
        for r in q.fetch_all(&mut *conn).await? {
            if r.get::<String, _>(1) == "sending" {
                marked.push(r.get::<i64, _>(0));
            }
        }
    }
    Ok(marked)
}

#[cfg(test)]
mod tests {
    use super::values;

    #[test]
    fn numbers_every_bind_once_in_order() {
        assert_eq!(values(1, 3), "($1, $2, $3)");
        assert_eq!(values(2, 2), "($1, $2), ($3, $4)");
    }
}
