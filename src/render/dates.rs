//! Dates as a reader of the mail's language expects them: "donderdag 21
//! september 2017, 13:30–17:00", "Thursday 21 September 2017, 13:30–17:00".

use chrono::{DateTime, Locale, Utc};
use chrono_tz::Tz;

use crate::domain::language::Language;
use crate::domain::texts::tr;

/// The calendar words (days, months) of `lang`.
fn locale(lang: Language) -> Locale {
    match lang {
        Language::Nl => Locale::nl_NL,
        Language::En => Locale::en_GB,
    }
}

/// "{from} tot {to}" in `lang`.
fn range(lang: Language, from: &str, to: &str) -> String {
    tr!(lang, "mail.dates.range", from = from, to = to)
}

/// When `item` takes place: its days alone for a whole-day meeting
/// ("dinsdag 10 april 2018", "dinsdag 10 april 2018 tot donderdag 12 april 2018").
pub fn when_item(item: &crate::domain::issue::AgendaItem, tz: Tz, lang: Language) -> String {
    if item.all_day.is_none() {
        return when(item.start, item.end, tz, lang);
    }
    let day = |t: DateTime<Utc>| {
        t.with_timezone(&tz)
            .format_localized("%A %-d %B %Y", locale(lang))
            .to_string()
    };
    match item.end {
        Some(e) if day(e) != day(item.start) => range(lang, &day(item.start), &day(e)),
        _ => day(item.start),
    }
}

/// When an agenda item takes place, in the platform's zone.
pub fn when(start: DateTime<Utc>, end: Option<DateTime<Utc>>, tz: Tz, lang: Language) -> String {
    let s = start.with_timezone(&tz);
    let day = s.format_localized("%A %-d %B %Y", locale(lang)).to_string();
    let from = s.format("%H:%M");
    match end.map(|e| e.with_timezone(&tz)) {
        Some(e) if e.date_naive() == s.date_naive() => {
            format!("{day}, {from}–{}", e.format("%H:%M"))
        }
        Some(e) => range(
            lang,
            &format!("{day}, {from}"),
            &format!(
                "{} {}",
                e.format_localized("%A %-d %B %Y", locale(lang)),
                e.format("%H:%M")
            ),
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
            when(start, Some(end), tz, Language::Nl),
            "donderdag 21 september 2017, 13:30–17:00"
        );
        assert_eq!(
            when(start, None, tz, Language::Nl),
            "donderdag 21 september 2017, 13:30"
        );
    }

    #[test]
    fn formats_in_english_for_english_readers() {
        let tz: Tz = "Europe/Amsterdam".parse().expect("tz");
        let at = |d, h| {
            tz.with_ymd_and_hms(2017, 9, d, h, 30, 0)
                .unwrap()
                .with_timezone(&Utc)
        };
        assert_eq!(
            when(at(21, 13), Some(at(21, 17)), tz, Language::En),
            "Thursday 21 September 2017, 13:30–17:30"
        );
        assert_eq!(
            when(at(21, 13), Some(at(22, 12)), tz, Language::En),
            "Thursday 21 September 2017, 13:30 to Friday 22 September 2017 12:30"
        );
        assert_eq!(
            when(at(21, 13), Some(at(22, 12)), tz, Language::Nl),
            "donderdag 21 september 2017, 13:30 tot vrijdag 22 september 2017 12:30"
        );
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
        assert_eq!(when_item(&item, tz, Language::Nl), "dinsdag 10 april 2018");
        item.end = Some(day(12));
        assert_eq!(
            when_item(&item, tz, Language::Nl),
            "dinsdag 10 april 2018 tot donderdag 12 april 2018"
        );
        assert_eq!(
            when_item(&item, tz, Language::En),
            "Tuesday 10 April 2018 to Thursday 12 April 2018"
        );
    }
}
