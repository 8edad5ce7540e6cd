//! Several `postbode serve` processes on one PostgreSQL database (SPEC §9):
//! they all send, sharing the ledgers row by row; one at a time leads, running
//! the folder watcher, the scheduler and the cron jobs.
//!
//! Both are PostgreSQL session advisory locks, held on one connection that
//! the process keeps for its whole life: its own lock (its `process_id`), so
//! the others can tell it is alive, and, when it leads, the leader lock. When
//! a process dies, even by `kill -9`, the server drops its connection and its
//! locks at once: another process takes the lead, and the rows the dead one
//! held are put back (`claimed` → queued, `sending` → unknown). A live
//! process's rows are never touched.

use anyhow::Result;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row};
use tokio::sync::Notify;

use crate::storage::Db;

/// The leader lock's key ("postbode" in ASCII).
const LEADER_KEY: i64 = 0x706f_7374_626f_6465;

/// This process's connection holding its locks.
pub struct Presence {
    conn: PoolConnection<Any>,
    leading: bool,
}

impl Presence {
    pub async fn join(db: &Db, process_id: i64) -> Result<Self> {
        let mut conn = db.pool.acquire().await?;
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(process_id)
            .execute(&mut *conn)
            .await?;
        Ok(Self {
            conn,
            leading: false,
        })
    }

    /// Takes the lead if nobody has it. True while this process leads.
    pub async fn try_lead(&mut self) -> Result<bool> {
        if !self.leading {
            let row = sqlx::query("SELECT pg_try_advisory_lock($1)")
                .bind(LEADER_KEY)
                .fetch_one(&mut *self.conn)
                .await?;
            self.leading = row.get::<bool, _>(0);
        }
        Ok(self.leading)
    }

    /// False when the connection holding the locks is gone (and the locks with it).
    pub async fn still_held(&mut self) -> bool {
        sqlx::query("SELECT 1")
            .execute(&mut *self.conn)
            .await
            .is_ok()
    }
}

/// Puts back the rows of processes that are gone: their lock can be taken.
/// `wake_sender` is rung when rows went back to the queue.
pub async fn recover_gone(db: &Db, process_id: i64, now: i64, wake_sender: &Notify) -> Result<()> {
    let holders = db.row_holders(process_id).await?;
    if holders.is_empty() {
        return Ok(());
    }
    let mut conn = db.pool.acquire().await?;
    for owner in holders {
        let gone: bool = sqlx::query("SELECT pg_try_advisory_lock($1)")
            .bind(owner)
            .fetch_one(&mut *conn)
            .await?
            .get(0);
        if !gone {
            continue;
        }
        let recovered = db.recover_deliveries(Some(owner), now).await;
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(owner)
            .execute(&mut *conn)
            .await?;
        let recovered = recovered?;
        tracing::warn!(
            requeued = recovered.requeued,
            unknown = recovered.unknown,
            "another postbode process stopped while sending: its queued messages are taken over; those it was sending are marked unknown and not resent"
        );
        if recovered.requeued > 0 {
            wake_sender.notify_one();
        }
    }
    Ok(())
}
