//! Time is injected so that the scheduler and its tests agree on "now".

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests and simulations.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// Seconds since the epoch: how every time is stored (portable across SQLite and PostgreSQL).
pub fn epoch(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub fn from_epoch(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

/// `s` seconds since the epoch as editors and operators read it: local
/// time in `tz` to the minute, with the zone (`2030-04-01 09:00 CEST`).
pub fn local_minute(s: i64, tz: chrono_tz::Tz) -> String {
    from_epoch(s)
        .with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// `s` seconds since the epoch as RFC 3339 in UTC (`2026-12-02T09:00:00Z`):
/// how every time is written in JSON.
pub fn rfc3339(s: i64) -> String {
    from_epoch(s).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Serde `serialize_with` for a time kept as seconds since the epoch.
pub mod as_rfc3339 {
    pub fn serialize<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }

    /// The same for a time that may be absent (`null`).
    pub mod option {
        pub fn serialize<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::super::rfc3339(*t)),
                None => s.serialize_none(),
            }
        }
    }
}
