//! Times as editors write them: `2026-12-10 09:00`, local to the platform's
//! zone, or RFC 3339 (`2026-12-10T08:00:00Z`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

/// Why a time could not be read; [`fmt::Display`] says it in English, the
/// editors' own words are chosen where the message is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// Not a date and time at all (the text, cut to 40 characters).
    NotATime(String),
    /// A date without a time.
    NoTime(String),
    /// A local time the clocks skip (summer time), in zone `tz`.
    Skipped { text: String, tz: Tz },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::NotATime(t) => write!(
                f,
                "{t:?} is not a date and time: write it as \"2026-12-10 09:00\" (local time) or \"2026-12-10T08:00:00Z\""
            ),
            TimeError::NoTime(t) => write!(f, "{t:?} has no time: write it as \"{t} 09:00\""),
            TimeError::Skipped { text, tz } => write!(
                f,
                "{text} does not exist in {tz}: the clocks skip that hour (summer time); pick another time"
            ),
        }
    }
}

/// A meeting's start or end: an instant, or a whole day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

/// Like [`parse_time`], but a date alone (`2018-04-10`) is a whole day.
pub fn parse_when(text: &str, tz: Tz) -> Result<When, TimeError> {
    match parse_time(text, tz) {
        Ok(t) => Ok(When::At(t)),
        Err(TimeError::NoTime(given)) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(When::Day)
            .map_err(|_| TimeError::NoTime(given)),
        Err(e) => Err(e),
    }
}

/// The first instant of local day `day` in `tz` (midnight, or the first
/// minute after a gap).
pub fn day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    (0..24 * 60)
        .find_map(|m| {
            tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m)))
                .earliest()
        })
        .map_or_else(
            || Utc.from_utc_datetime(&midnight),
            |t| t.with_timezone(&Utc),
        )
}

/// The instant `text` names; a local time in the skipped summer-time hour is
/// refused, one in the doubled autumn hour is the first of the two.
pub fn parse_time(text: &str, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    let text = text.trim();
    let shown = || text.chars().take(40).collect::<String>();
    if text.len() > 40 {
        return Err(TimeError::NotATime(shown()));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok());
    let Some(naive) = naive else {
        if NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok() {
            return Err(TimeError::NoTime(shown()));
        }
        return Err(TimeError::NotATime(shown()));
    };
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        // The autumn hour that happens twice: take the first, as calendars do.
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(TimeError::Skipped {
            text: text.to_string(),
            tz,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_follow_the_platform_zone_across_dst() {
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        let winter = parse_time("2026-12-10 09:00", tz).expect("valid");
        assert_eq!(winter.to_rfc3339(), "2026-12-10T08:00:00+00:00");
        let summer = parse_time("2026-07-10 09:00", tz).expect("valid");
        assert_eq!(summer.to_rfc3339(), "2026-07-10T07:00:00+00:00");
        assert!(
            parse_time("2026-03-29 02:30", tz)
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
        assert!(
            parse_time("2026-12-10", tz)
                .unwrap_err()
                .to_string()
                .contains("has no time")
        );
        assert!(
            parse_time("10 december", tz)
                .unwrap_err()
                .to_string()
                .contains("not a date")
        );
        assert_eq!(
            parse_time("2026-12-10T08:00:00Z", tz).map(|t| t.timestamp()),
            Ok(winter.timestamp())
        );
    }
}
