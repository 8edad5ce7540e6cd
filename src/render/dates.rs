//! Dates as a Dutch reader expects them: "donderdag 21 september 2017, 13:30–17:00".

use chrono::{DateTime, Locale, Utc};
use chrono_tz::Tz;

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
}
