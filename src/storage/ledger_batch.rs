//! Many ledger rows in one statement: the sender's workers mark messages
//! `sending` and record their outcomes by the dozen, so the database sees one
//! statement per group instead of two per message. Each row keeps the rules
//! of its one-row counterpart in `deliveries`: a row is only marked `sending`
//! while claimed, its subscriber active and its issue not held; an outcome
//! only lands on a row still in hand.

use anyhow::Result;
use sqlx::Row;

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

impl Db {
    /// Marks the rows `sending` (attempts + 1, their Message-IDs) where the
    /// one-row `mark_sending` would; returns the ids that were. The others
    /// are for `mark_sending` to sort out one by one (paused, unsubscribed).
    pub async fn mark_sending_many(&self, ledger: Ledger, rows: &[Sending]) -> Result<Vec<i64>> {
        let table = ledger.table();
        let mut marked = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(CHUNK) {
            // VALUES columns are named column1, column2 … in SQLite and PostgreSQL alike.
            let sql = format!(
                "UPDATE {table} SET state = 'sending', attempts = attempts + 1,
                        message_id = v.column2, updated_at = v.column3
                 FROM (VALUES {}) AS v
                 WHERE {table}.id = v.column1 AND {table}.state = 'claimed'
                   AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = {table}.subscriber_id AND s.status = 'active'){}
                 RETURNING {table}.id",
                values(chunk.len(), 3),
                held_check(ledger)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                q = q.bind(row.id).bind(row.message_id.as_str()).bind(row.at);
            }
            for r in q.fetch_all(&self.pool).await? {
                marked.push(r.get::<i64, _>(0));
            }
        }
        Ok(marked)
    }

    /// Records the outcomes, each on its row if still `claimed` or `sending`
    /// (a row cancelled meanwhile stays `cancelled`), as `finish` does.
    pub async fn finish_many(&self, ledger: Ledger, rows: &[Finished]) -> Result<()> {
        let table = ledger.table();
        for chunk in rows.chunks(CHUNK) {
            let sql = format!(
                "UPDATE {table} SET state = v.column2, last_reply = v.column3,
                        next_attempt_at = COALESCE(v.column4, {table}.next_attempt_at), updated_at = v.column5
                 FROM (VALUES {}) AS v
                 WHERE {table}.id = v.column1 AND {table}.state IN ('claimed', 'sending')",
                values(chunk.len(), 5)
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for row in chunk {
                let reply: String = row.reply.chars().take(500).collect();
                q = q
                    .bind(row.id)
                    .bind(row.state.as_str())
                    .bind(reply)
                    .bind(row.retry_at)
                    .bind(row.at);
            }
            q.execute(&self.pool).await?;
        }
        Ok(())
    }
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
