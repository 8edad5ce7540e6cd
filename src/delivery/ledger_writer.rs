//! Group commit for the delivery ledger. Every worker still waits until its
//! row is `sending` before the message's DATA, and until its outcome is
//! written before it takes the next message, so a crash leaves at most the
//! messages in flight `unknown` and none sent twice. But the writes of all
//! workers that wait at the same moment go to the database as one statement:
//! with twenty connections, one write serves a dozen messages instead of one.

use anyhow::{Result, anyhow};
use std::collections::HashSet;
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};

use crate::domain::delivery::Ledger;
use crate::storage::Db;
use crate::storage::ledger_batch::{Finished, Sending};

/// The most requests written in one go; the rest wait for the next.
const GROUP: usize = 512;

enum Write {
    Sending {
        ledger: Ledger,
        row: Sending,
        done: Answer<bool>,
    },
    Finish {
        ledger: Ledger,
        row: Finished,
        done: Answer<()>,
    },
}

/// The workers' door to the ledger. Without a running writer (before
/// `start`, after `stop`, or if its task died) every write goes to the
/// database on its own, as before: slower, never lost.
pub(super) struct LedgerWriter {
    db: Db,
    tx: Mutex<Option<mpsc::UnboundedSender<Write>>>,
}

impl LedgerWriter {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            tx: Mutex::new(None),
        }
    }

    /// Starts the task that groups the writes.
    pub fn start(&self) {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(self.db.clone(), rx));
        *self.tx.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
    }

    /// Lets the task end once the writes already asked for are done.
    pub fn stop(&self) {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).take();
    }

    fn sender(&self) -> Option<mpsc::UnboundedSender<Write>> {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Hands `write` to the writer and waits for its answer; None when no
    /// writer runs, so the caller writes on its own.
    async fn ask<T>(&self, write: impl FnOnce(Answer<T>) -> Write) -> Option<Result<T>> {
        let tx = self.sender()?;
        let (done, answer) = oneshot::channel();
        tx.send(write(done)).ok()?;
        Some(
            answer
                .await
                .map_err(|_| anyhow!("the ledger writer stopped"))
                .and_then(|r| r.map_err(|e| anyhow!(e))),
        )
    }

    /// As `Db::mark_sending`: true when the row is now `sending` and the
    /// message may go; false when it must not (see there).
    pub async fn sending(&self, ledger: Ledger, row: Sending) -> Result<bool> {
        let asked = self.ask(|done| Write::Sending {
            ledger,
            row: row.clone(),
            done,
        });
        match asked.await {
            Some(r) => r,
            None => {
                self.db
                    .mark_sending(ledger, row.id, &row.message_id, row.at)
                    .await
            }
        }
    }

    /// Records an outcome; returns once it is written.
    pub async fn finish(&self, ledger: Ledger, row: Finished) -> Result<()> {
        let asked = self.ask(|done| Write::Finish {
            ledger,
            row: row.clone(),
            done,
        });
        match asked.await {
            Some(r) => r,
            None => self.db.finish_many(ledger, &[row]).await,
        }
    }
}

/// Takes whatever is waiting, writes it, answers everyone, again.
async fn run(db: Db, mut rx: mpsc::UnboundedReceiver<Write>) {
    let mut pending = Vec::with_capacity(GROUP);
    while rx.recv_many(&mut pending, GROUP).await > 0 {
        write_group(&db, std::mem::take(&mut pending)).await;
    }
}

type Answer<T> = oneshot::Sender<Result<T, String>>;

async fn write_group(db: &Db, group: Vec<Write>) {
    let mut finishes: Vec<(Ledger, Finished, Answer<()>)> = Vec::new();
    let mut sendings: Vec<(Ledger, Sending, Answer<bool>)> = Vec::new();
    for w in group {
        match w {
            Write::Finish { ledger, row, done } => finishes.push((ledger, row, done)),
            Write::Sending { ledger, row, done } => sendings.push((ledger, row, done)),
        }
    }
    // Outcomes first: they were decided before the new sends were asked for.
    for ledger in Ledger::ALL {
        let (mine, rest): (Vec<_>, Vec<_>) = finishes.into_iter().partition(|f| f.0 == ledger);
        finishes = rest;
        if mine.is_empty() {
            continue;
        }
        let rows: Vec<Finished> = mine.iter().map(|f| f.1.clone()).collect();
        let result = db
            .finish_many(ledger, &rows)
            .await
            .map_err(|e| format!("{e:#}"));
        for (_, _, done) in mine {
            let _ = done.send(result.clone());
        }
    }
    for ledger in Ledger::ALL {
        let (mine, rest): (Vec<_>, Vec<_>) = sendings.into_iter().partition(|s| s.0 == ledger);
        sendings = rest;
        if mine.is_empty() {
            continue;
        }
        let rows: Vec<Sending> = mine.iter().map(|s| s.1.clone()).collect();
        match db.mark_sending_many(ledger, &rows).await {
            Ok(marked) => {
                let marked: HashSet<i64> = marked.into_iter().collect();
                for (_, row, done) in mine {
                    let answer = if marked.contains(&row.id) {
                        Ok(true)
                    } else {
                        // Paused, unsubscribed or no longer claimed: the
                        // one-row path finds out which and records it.
                        db.mark_sending(ledger, row.id, &row.message_id, row.at)
                            .await
                            .map_err(|e| format!("{e:#}"))
                    };
                    let _ = done.send(answer);
                }
            }
            Err(e) => {
                let e = format!("{e:#}");
                for (_, _, done) in mine {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }
}
