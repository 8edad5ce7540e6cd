//! Whether the sender is doing its work, for `/healthz`: every worker
//! running, the dispatcher looking at the ledger, and no message held far
//! longer than an SMTP exchange can take. Written by the sender, read by the
//! web pages; nothing here waits.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

/// The dispatcher looks at the ledger at least this often; three times as
/// long without a look is stuck.
pub const BEAT_SECS: i64 = 30;

#[derive(Debug)]
pub struct Liveness {
    workers: usize,
    alive: AtomicUsize,
    dispatcher_alive: AtomicUsize,
    last_beat: AtomicI64,
    /// Per worker: since when it is on its current message.
    busy_since: Mutex<Vec<Option<i64>>>,
    /// The longest one message may take: connecting plus the exchange.
    max_busy_secs: i64,
}

impl Liveness {
    /// `workers` delivery workers; `smtp_timeout_secs` bounds one exchange.
    pub fn new(workers: usize, smtp_timeout_secs: u64, now: i64) -> Self {
        Self {
            workers,
            alive: AtomicUsize::new(0),
            dispatcher_alive: AtomicUsize::new(0),
            last_beat: AtomicI64::new(now),
            busy_since: Mutex::new(vec![None; workers]),
            max_busy_secs: 3 * i64::try_from(smtp_timeout_secs).unwrap_or(60) + 120,
        }
    }

    pub fn worker_started(&self) {
        self.alive.fetch_add(1, Ordering::SeqCst);
    }

    pub fn worker_stopped(&self, worker: usize) {
        self.alive.fetch_sub(1, Ordering::SeqCst);
        self.idle(worker);
    }

    pub fn dispatcher_started(&self) {
        self.dispatcher_alive.store(1, Ordering::SeqCst);
    }

    pub fn dispatcher_stopped(&self) {
        self.dispatcher_alive.store(0, Ordering::SeqCst);
    }

    /// The dispatcher looked at the ledger, or a worker finished a message.
    pub fn beat(&self, now: i64) {
        self.last_beat.fetch_max(now, Ordering::SeqCst);
    }

    pub fn busy(&self, worker: usize, now: i64) {
        if let Some(slot) = self.slots().get_mut(worker) {
            *slot = Some(now);
        }
    }

    pub fn idle(&self, worker: usize) {
        if let Some(slot) = self.slots().get_mut(worker) {
            *slot = None;
        }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Vec<Option<i64>>> {
        self.busy_since.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What is wrong with the sender, if anything, in words for an operator.
    pub fn problem(&self, now: i64) -> Option<String> {
        let alive = self.alive.load(Ordering::SeqCst);
        if alive < self.workers {
            return Some(format!(
                "{} of {} delivery workers are not running",
                self.workers - alive,
                self.workers
            ));
        }
        if self.dispatcher_alive.load(Ordering::SeqCst) == 0 {
            return Some("the sender's dispatcher is not running".into());
        }
        let quiet = now - self.last_beat.load(Ordering::SeqCst);
        if quiet > 3 * BEAT_SECS {
            return Some(format!(
                "the sender has not looked at the delivery ledger for {quiet} s"
            ));
        }
        let stuck = self
            .slots()
            .iter()
            .flatten()
            .map(|since| now - since)
            .max()
            .filter(|busy| *busy > self.max_busy_secs);
        stuck.map(|busy| format!("a delivery worker has been on one message for {busy} s"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(l: &Liveness, workers: usize) {
        l.dispatcher_started();
        for _ in 0..workers {
            l.worker_started();
        }
    }

    #[test]
    fn healthy_while_everything_runs_and_moves() {
        let l = Liveness::new(2, 10, 1000);
        running(&l, 2);
        assert_eq!(l.problem(1010), None);
        l.busy(0, 1020);
        assert_eq!(l.problem(1050), None);
    }

    #[test]
    fn a_dead_worker_or_a_silent_dispatcher_is_a_problem() {
        let l = Liveness::new(2, 10, 1000);
        running(&l, 2);
        l.worker_stopped(1);
        assert!(l.problem(1001).expect("dead").contains("1 of 2"));
        l.worker_started();
        assert!(
            l.problem(1000 + 3 * BEAT_SECS + 1)
                .expect("silent")
                .contains("has not looked")
        );
        l.beat(1100);
        assert_eq!(l.problem(1101), None);
        l.dispatcher_stopped();
        assert!(l.problem(1101).is_some());
    }

    #[test]
    fn a_message_held_too_long_is_a_problem() {
        let l = Liveness::new(1, 10, 1000);
        running(&l, 1);
        l.busy(0, 1000);
        l.beat(1200);
        assert!(
            l.problem(1200)
                .expect("stuck")
                .contains("one message for 200 s")
        );
        l.idle(0);
        assert_eq!(l.problem(1200), None);
    }
}
