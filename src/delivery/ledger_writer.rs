//! Group commit for the delivery ledger. Every worker still waits until its
//! row is `sending` before the message's DATA, and until its outcome is
//! written before it takes the next message, so a crash leaves at most the
//! messages in flight `unknown` and none sent twice. But the writes of all
//! workers that wait at the same moment go to the database as one
//! transaction, on a connection the writer keeps (see `LedgerLine`).

use anyhow::{Result, anyhow};
use std::collections::HashSet;
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};

use crate::domain::delivery::Ledger;
use crate::storage::Db;
use crate::storage::ledger_batch::{Finished, Group, LedgerLine, Sending};

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
    pub async fn sending(&self, ledger: Ledger, row: &Sending) -> Result<bool> {
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
    let mut line: Option<LedgerLine> = None;
    while rx.recv_many(&mut pending, GROUP).await > 0 {
        // Workers whose replies arrived at the same moment are about to ask
        // too: let them, so that one transaction serves them all.
        tokio::task::yield_now().await;
        while pending.len() < GROUP {
            match rx.try_recv() {
                Ok(w) => pending.push(w),
                Err(_) => break,
            }
        }
        write_group(&db, &mut line, std::mem::take(&mut pending)).await;
    }
}

type Answer<T> = oneshot::Sender<Result<T, String>>;

async fn write_group(db: &Db, line: &mut Option<LedgerLine>, requests: Vec<Write>) {
    let mut group = Group::default();
    let mut finished: Vec<Answer<()>> = Vec::new();
    let mut sending: Vec<Answer<bool>> = Vec::new();
    for w in requests {
        match w {
            Write::Finish { ledger, row, done } => {
                group.finished.push((ledger, row));
                finished.push(done);
            }
            Write::Sending { ledger, row, done } => {
                group.sending.push((ledger, row));
                sending.push(done);
            }
        }
    }
    let written = match line.as_mut() {
        Some(l) => l.write(&group).await,
        None => match db.ledger_line().await {
            Ok(l) => line.insert(l).write(&group).await,
            Err(e) => Err(e),
        },
    };
    let marked: HashSet<(Ledger, i64)> = match written {
        Ok(marked) => marked.into_iter().collect(),
        Err(e) => {
            // The connection may be what failed: take a fresh one next time.
            *line = None;
            let e = format!("{e:#}");
            for done in finished {
                let _ = done.send(Err(e.clone()));
            }
            for done in sending {
                let _ = done.send(Err(e.clone()));
            }
            return;
        }
    };
    for done in finished {
        let _ = done.send(Ok(()));
    }
    for ((ledger, row), done) in group.sending.iter().zip(sending) {
        let answer = if marked.contains(&(*ledger, row.id)) {
            Ok(true)
        } else {
            // Paused, unsubscribed or no longer claimed: the one-row path
            // finds out which and records it.
            db.mark_sending(*ledger, row.id, &row.message_id, row.at)
                .await
                .map_err(|e| format!("{e:#}"))
        };
        let _ = done.send(answer);
    }
}
