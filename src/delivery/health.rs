//! How the SMTP server is doing, as the sender sees it: a run of failed
//! attempts pauses sending (the server is down or refusing us), and a request
//! to slow down (4.7.28) holds every worker back for a while, growing
//! while the server keeps asking. Shared by the workers of one process; the
//! pause is also written to `settings` so `postbode status` can say why.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;

use crate::domain::redact::redact_addresses;
use crate::domain::reply::Verdict;

/// The settings key under which a pause is announced.
pub const PAUSE_KEY: &str = "delivery.paused";

const THROTTLE_MIN_SECS: i64 = 10;
const THROTTLE_MAX_SECS: i64 = 300;

/// What `postbode status` shows about a pause.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Pause {
    pub since: i64,
    pub until: i64,
    pub failures: u32,
    pub last_reply: String,
}

/// What changed, for the caller to log and record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    None,
    Paused(Pause),
    Throttled {
        secs: i64,
    },
    /// The first success after a pause.
    Recovered,
}

#[derive(Debug, Default)]
struct State {
    failures_in_row: u32,
    paused_until: i64,
    paused: bool,
    throttle_secs: i64,
    throttled_until: i64,
}

#[derive(Debug)]
pub struct Health {
    pause_after: u32,
    pause_secs: i64,
    state: Mutex<State>,
}

impl Health {
    pub fn new(pause_after: u32, pause_secs: u64) -> Self {
        Self {
            pause_after: pause_after.max(1),
            pause_secs: i64::try_from(pause_secs).unwrap_or(300).max(1),
            state: Mutex::new(State::default()),
        }
    }

    /// Until when no message may be started (0 = go ahead).
    pub fn hold_until(&self) -> i64 {
        let s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.paused_until.max(s.throttled_until)
    }

    /// Takes one attempt's verdict into account.
    pub fn note(&self, verdict: Verdict, reply: &str, now: i64) -> Change {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match verdict {
            Verdict::Delivered => {
                s.failures_in_row = 0;
                s.throttle_secs = 0;
                if std::mem::take(&mut s.paused) {
                    return Change::Recovered;
                }
                Change::None
            }
            // The server answered about this mailbox: it is up and talking.
            Verdict::HardBounce
            | Verdict::SoftBounce
            | Verdict::Failed
            | Verdict::Complaint
            | Verdict::Delayed => {
                s.failures_in_row = 0;
                Change::None
            }
            Verdict::Retry | Verdict::Throttled | Verdict::Policy | Verdict::Unknown => {
                s.failures_in_row += 1;
                if s.failures_in_row >= self.pause_after {
                    s.paused_until = now + self.pause_secs;
                    s.paused = true;
                    let failures = s.failures_in_row;
                    // One more failure after the pause pauses again: the
                    // first message after it is the probe.
                    s.failures_in_row = self.pause_after - 1;
                    return Change::Paused(Pause {
                        since: now,
                        until: s.paused_until,
                        failures,
                        last_reply: redact_addresses(reply).chars().take(300).collect(),
                    });
                }
                if verdict == Verdict::Throttled {
                    s.throttle_secs =
                        (s.throttle_secs * 2).clamp(THROTTLE_MIN_SECS, THROTTLE_MAX_SECS);
                    s.throttled_until = now + s.throttle_secs;
                    return Change::Throttled {
                        secs: s.throttle_secs,
                    };
                }
                Change::None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_of_failures_pauses_and_the_next_failure_after_it_pauses_again() {
        let h = Health::new(3, 300);
        assert_eq!(h.note(Verdict::Retry, "451 x", 100), Change::None);
        assert_eq!(h.note(Verdict::Retry, "451 x", 101), Change::None);
        let Change::Paused(p) = h.note(Verdict::Retry, "451 4.3.0 <a@b.nl> down", 102) else {
            panic!("not paused");
        };
        assert_eq!((p.since, p.until, p.failures), (102, 402, 3));
        assert_eq!(p.last_reply, "451 4.3.0 <address> down");
        assert_eq!(h.hold_until(), 402);
        // The probe after the pause fails: paused again at once.
        assert!(matches!(
            h.note(Verdict::Retry, "451 x", 402),
            Change::Paused(_)
        ));
        // It succeeds: recovered, and the count starts over.
        assert_eq!(h.note(Verdict::Delivered, "250 ok", 800), Change::Recovered);
        assert_eq!(h.note(Verdict::Retry, "451 x", 801), Change::None);
    }

    #[test]
    fn answers_about_a_mailbox_break_the_run() {
        let h = Health::new(2, 300);
        h.note(Verdict::Retry, "451", 1);
        h.note(Verdict::HardBounce, "550 5.1.1", 2);
        assert_eq!(h.note(Verdict::Retry, "451", 3), Change::None);
        // Policy refusals do count: a blocklisted sender must not burn the list.
        assert!(matches!(
            h.note(Verdict::Policy, "554 5.7.1", 4),
            Change::Paused(_)
        ));
    }

    #[test]
    fn slow_down_requests_hold_everyone_longer_each_time() {
        let h = Health::new(100, 300);
        assert_eq!(
            h.note(Verdict::Throttled, "421", 0),
            Change::Throttled { secs: 10 }
        );
        assert_eq!(h.hold_until(), 10);
        assert_eq!(
            h.note(Verdict::Throttled, "421", 10),
            Change::Throttled { secs: 20 }
        );
        assert_eq!(
            h.note(Verdict::Throttled, "421", 30),
            Change::Throttled { secs: 40 }
        );
        h.note(Verdict::Delivered, "250", 70);
        assert_eq!(
            h.note(Verdict::Throttled, "421", 71),
            Change::Throttled { secs: 10 }
        );
    }
}
