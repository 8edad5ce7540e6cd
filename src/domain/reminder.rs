//! When the reminders of an agenda item are due.
//!
//! An offset in whole days keeps the wall-clock time in the platform's zone: a
//! 09:00 event is reminded at 09:00 local time seven days earlier, also when a
//! DST switch lies in between. Offsets in hours or minutes are absolute
//! durations. Pure: no clock involved.

use chrono::{DateTime, Days, Duration, LocalResult, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::issue::AgendaItem;
use super::offset::Offset;

const MINUTES_PER_DAY: i64 = 24 * 60;

/// The instant of the reminder `offset` before `start`.
///
/// Whole days are subtracted on the local calendar in `tz` and the result is
/// resolved in `tz`: an ambiguous local time (autumn) takes the earlier
/// instant, a nonexistent one (spring) moves forward to the first valid
/// instant. Any other offset (`2h`, `30m`, `25h`) is an absolute duration.
pub fn reminder_time(start: DateTime<Utc>, offset: Offset, tz: Tz) -> DateTime<Utc> {
    let minutes = offset.duration().num_minutes();
    if minutes % MINUTES_PER_DAY != 0 {
        return start - offset.duration();
    }
    let days = u64::try_from(minutes / MINUTES_PER_DAY).unwrap_or(0);
    let local = start.with_timezone(&tz).naive_local();
    match local.checked_sub_days(Days::new(days)) {
        Some(shifted) => resolve_local(shifted, tz).unwrap_or(start - offset.duration()),
        None => start - offset.duration(),
    }
}

/// `local` as an instant in `tz`: the earlier of two, or the first valid
/// instant after a gap.
fn resolve_local(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earlier, _) => Some(earlier.with_timezone(&Utc)),
        LocalResult::None => {
            // Zone transitions happen on whole minutes, so the first valid
            // local minute after the gap is the first valid instant.
            let mut minute = local.with_second(0)?.with_nanosecond(0)?;
            for _ in 0..MINUTES_PER_DAY {
                minute += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&minute).earliest() {
                    return Some(t.with_timezone(&Utc));
                }
            }
            None
        }
    }
}

/// The reminder `offset` of `item`. For a whole-day meeting every offset
/// counts in whole days, rounded up (`2h` is the day before), and the
/// reminder goes out at the item's time of day: a 09:00 mail a day before
/// the Platformdag, not one at 22:00.
pub fn item_reminder_time(item: &AgendaItem, offset: Offset, tz: Tz) -> DateTime<Utc> {
    let Some(at) = item.all_day else {
        return reminder_time(item.start, offset, tz);
    };
    let minutes = offset.duration().num_minutes();
    let days = u64::try_from((minutes + MINUTES_PER_DAY - 1) / MINUTES_PER_DAY).unwrap_or(1);
    let day = item.start.with_timezone(&tz).date_naive();
    day.checked_sub_days(Days::new(days))
        .and_then(|d| resolve_local(d.and_time(at), tz))
        .unwrap_or(item.start - offset.duration())
}

/// Every reminder of the item, earliest first: one per distinct offset.
/// Whether one is due, already sent, or too late (the item started or was
/// cancelled) is the store's business: see `storage::agenda`.
pub fn reminder_times(item: &AgendaItem, tz: Tz) -> Vec<(Offset, DateTime<Utc>)> {
    let mut offsets = item.reminders.clone();
    offsets.sort_unstable_by(|a, b| b.cmp(a));
    offsets.dedup();
    let mut times: Vec<_> = offsets
        .into_iter()
        .map(|o| (o, item_reminder_time(item, o, tz)))
        .collect();
    times.sort_by_key(|&(o, t)| (t, std::cmp::Reverse(o)));
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ams() -> Tz {
        "Europe/Amsterdam".parse().expect("tz")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("rfc3339")
            .with_timezone(&Utc)
    }

    fn off(s: &str) -> Offset {
        s.parse().expect("offset")
    }

    fn at(start: &str, offset: &str) -> DateTime<Utc> {
        reminder_time(utc(start), off(offset), ams())
    }

    #[test]
    fn a_whole_day_meeting_is_reminded_at_its_time_of_day() {
        // The Platformdag on Tuesday 10 April 2018 (local midnight, summer time).
        let mut it = item("2018-04-09T22:00:00Z", &["7d", "1d", "2h"]);
        it.all_day = chrono::NaiveTime::from_hms_opt(9, 0, 0);
        let times: Vec<String> = reminder_times(&it, ams())
            .into_iter()
            .map(|(o, t)| format!("{o} {}", t.to_rfc3339()))
            .collect();
        // 09:00 local on 3 April and on 9 April; 2h rounds up to the day before.
        assert_eq!(
            times,
            [
                "7d 2018-04-03T07:00:00+00:00",
                "1d 2018-04-09T07:00:00+00:00",
                "2h 2018-04-09T07:00:00+00:00"
            ]
        );
    }

    fn item(start: &str, offsets: &[&str]) -> AgendaItem {
        AgendaItem {
            id: crate::domain::slug::Slug::parse("item").expect("slug"),
            title: "Item".into(),
            start: utc(start),
            end: None,
            location: String::new(),
            url: String::new(),
            description: String::new(),
            workshop: None,
            interests: Vec::new(),
            reminders: offsets.iter().map(|o| off(o)).collect(),
            cancelled: false,
            id_guessed: false,
            all_day: None,
        }
    }

    #[test]
    fn ordinary_days() {
        // Wednesday 10 June 2026, 19:30 CEST.
        let s = "2026-06-10T17:30:00Z";
        assert_eq!(at(s, "7d"), utc("2026-06-03T17:30:00Z"));
        assert_eq!(at(s, "1d"), utc("2026-06-09T17:30:00Z"));
        assert_eq!(at(s, "2h"), utc("2026-06-10T15:30:00Z"));
        assert_eq!(at(s, "30m"), utc("2026-06-10T17:00:00Z"));
    }

    #[test]
    fn spring_switch_keeps_local_wall_clock() {
        // Monday 30 March 2026, 09:00 CEST; a week earlier it is CET.
        let s = "2026-03-30T07:00:00Z";
        assert_eq!(at(s, "7d"), utc("2026-03-23T08:00:00Z")); // 09:00 CET
        assert_eq!(at(s, "1d"), utc("2026-03-29T07:00:00Z")); // 09:00 CEST
        assert_eq!(at(s, "2h"), utc("2026-03-30T05:00:00Z"));
        assert_eq!(at(s, "30m"), utc("2026-03-30T06:30:00Z"));
        // Sunday 29 March, 09:00 CEST: the day before is CET.
        assert_eq!(
            at("2026-03-29T07:00:00Z", "1d"),
            utc("2026-03-28T08:00:00Z")
        );
        // Hours across the switch are absolute: 04:00 CEST - 2h = 01:00 CET.
        assert_eq!(
            at("2026-03-29T02:00:00Z", "2h"),
            utc("2026-03-29T00:00:00Z")
        );
        assert_eq!(
            at("2026-03-29T01:15:00Z", "30m"),
            utc("2026-03-29T00:45:00Z")
        );
    }

    #[test]
    fn spring_gap_moves_forward() {
        // Monday 30 March 2026, 02:30 CEST; 29 March 02:30 does not exist,
        // the first valid instant after it is 03:00 CEST.
        assert_eq!(
            at("2026-03-30T00:30:00Z", "1d"),
            utc("2026-03-29T01:00:00Z")
        );
        // With seconds: still the first valid instant, 03:00:00 CEST.
        assert_eq!(
            at("2026-03-30T00:30:42Z", "1d"),
            utc("2026-03-29T01:00:00Z")
        );
    }

    #[test]
    fn autumn_switch_keeps_local_wall_clock() {
        // Monday 26 October 2026, 09:00 CET; a week earlier it is CEST.
        let s = "2026-10-26T08:00:00Z";
        assert_eq!(at(s, "7d"), utc("2026-10-19T07:00:00Z")); // 09:00 CEST
        assert_eq!(at(s, "1d"), utc("2026-10-25T08:00:00Z")); // 09:00 CET
        assert_eq!(at(s, "2h"), utc("2026-10-26T06:00:00Z"));
        assert_eq!(at(s, "30m"), utc("2026-10-26T07:30:00Z"));
        // Sunday 25 October, 09:00 CET: the day before is CEST.
        assert_eq!(
            at("2026-10-25T08:00:00Z", "1d"),
            utc("2026-10-24T07:00:00Z")
        );
        // Hours across the switch are absolute: 03:30 CET - 2h = 02:30 CEST.
        assert_eq!(
            at("2026-10-25T02:30:00Z", "2h"),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn autumn_ambiguity_takes_the_earlier() {
        // Monday 26 October 2026, 02:30 CET; 25 October 02:30 happens twice,
        // first as CEST (00:30Z), then as CET (01:30Z).
        assert_eq!(
            at("2026-10-26T01:30:00Z", "1d"),
            utc("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn reminder_times_are_sorted_and_distinct() {
        let it = item("2026-06-10T17:30:00Z", &["30m", "7d", "2h", "1d", "7d"]);
        let times = reminder_times(&it, ams());
        let got: Vec<String> = times
            .iter()
            .map(|(o, t)| format!("{o}@{}", t.to_rfc3339()))
            .collect();
        assert_eq!(
            got,
            [
                "7d@2026-06-03T17:30:00+00:00",
                "1d@2026-06-09T17:30:00+00:00",
                "2h@2026-06-10T15:30:00+00:00",
                "30m@2026-06-10T17:00:00+00:00",
            ]
        );
    }
}
