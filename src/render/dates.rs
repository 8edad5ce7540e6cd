//! Dates as a Dutch reader expects them: "donderdag 21 september 2017, 13:30–17:00".

use chrono::{DateTime, Locale, Utc};
use chrono_tz::Tz;

/// When `item` takes place: its days alone for a whole-day meeting
/// ("dinsdag 10 april 2018", "dinsdag 10 april 2018 tot donderdag 12 april 2018").
pub fn when_item(item: &crate::domain::issue::AgendaItem, tz: Tz) -> String {
    if item.all_day.is_none() {
        return when(item.start, item.end, tz);
    }
    let day = |t: DateTime<Utc>| {
        t.with_timezone(&tz)
            .format_localized("%A %-d %B %Y", Locale::nl_NL)
            .to_string()
    };
    match item.end {
        Some(e) if day(e) != day(item.start) => format!("{} tot {}", day(item.start), day(e)),
        _ => day(item.start),
    }
}

/// When an agenda item takes place, in the platform's zone.
pub fn when(start: DateTime<Utc>, end: Option<DateTime<Utc>>, tz: Tz) -> String {
    let s = start.with_timezone(&tz);
    let day = s
        .format_localized("%A %-d %B %Y", Locale::nl_NL)
        .to_string();
    let from = s.format("%H:%M");
    match end.map(|e| e.with_timezone(&tz)) {
        Some(e) if e.date_naive() == s.date_naive() => {
            format!("{day}, {from}–{}", e.format("%H:%M"))
        }
        Some(e) => format!(
            "{day}, {from} tot {} {}",
            e.format_localized("%A %-d %B %Y", Locale::nl_NL),
            e.format("%H:%M")
        ),
        None => format!("{day}, {from}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_in_dutch_local_time() {
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        let start = tz
            .with_ymd_and_hms(2017, 9, 21, 13, 30, 0)
            .unwrap()
            .with_timezone(&Utc);
        let end = tz
            .with_ymd_and_hms(2017, 9, 21, 17, 0, 0)
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            when(start, Some(end), tz),
            "donderdag 21 september 2017, 13:30–17:00"
        );
        assert_eq!(when(start, None, tz), "donderdag 21 september 2017, 13:30");
    }

    #[test]
    fn whole_days_show_no_time() {
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        let day = |d| {
            crate::domain::when::day_start(
                chrono::NaiveDate::from_ymd_opt(2018, 4, d).expect("date"),
                tz,
            )
        };
        let mut item = crate::domain::issue::AgendaItem {
            id: crate::domain::slug::Slug::parse("platformdag").expect("slug"),
            title: "Platformdag".into(),
            start: day(10),
            end: None,
            location: String::new(),
            url: String::new(),
            description: String::new(),
            workshop: None,
            interests: Vec::new(),
            reminders: Vec::new(),
            cancelled: false,
            id_guessed: false,
            all_day: chrono::NaiveTime::from_hms_opt(9, 0, 0),
        };
        assert_eq!(when_item(&item, tz), "dinsdag 10 april 2018");
        item.end = Some(day(12));
        assert_eq!(
            when_item(&item, tz),
            "dinsdag 10 april 2018 tot donderdag 12 april 2018"
        );
    }
}
