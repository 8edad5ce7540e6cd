//! Property tests for the parsers in `src/domain/`: every piece of text a
//! person, an editor or a remote mail server hands postbode goes through one
//! of them, so they must never panic, must give back what they accept
//! (parse ∘ print = id), and must uphold the rules the rest of the program
//! relies on: a subscriber name never carries a character that makes lettre
//! panic while it writes the `To` header (or that forges another header), an
//! address is stored normalised, slugs are always URL/file safe, editors'
//! local times survive the DST switches, reminder offsets mean what they say,
//! and an SMTP refusal gets the same verdict whether it arrives while sending
//! or later in a bounce report.
//!
//! The strategies are biased toward the input that breaks text handling:
//! control characters, U+2028/U+2029, bidirectional overrides and isolates,
//! multi-byte characters next to the byte offsets parsers slice at, very long
//! strings, and near-valid input (a valid value with a few characters
//! replaced, inserted or removed).

use chrono::{DateTime, Datelike, Duration, NaiveDate, SecondsFormat, TimeZone, Weekday};
use chrono_tz::Tz;
use lettre::Message;
use lettre::message::Mailbox;
use postbode::domain::email::SubscriberEmail;
use postbode::domain::name::SubscriberName;
use postbode::domain::offset::Offset;
use postbode::domain::reply::{Action, Outcome, StatusCode, of_attempt, of_feedback, of_report};
use postbode::domain::slug::Slug;
use postbode::domain::text;
use postbode::domain::when::parse_time;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};

/// `cases` per property, and no regression files: this binary writes
/// nothing into the tree. A failure prints its shrunk input; pin it as an
/// example test below the properties.
fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Characters that trip text handling up, mixed with ordinary ones so that
/// the tricky ones land inside otherwise plausible input.
fn tricky_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        3 => prop::char::range('0', '9'),
        3 => select(vec![
            ' ', '.', '-', ':', '@', 'T', 'Z', '+', 'd', 'h', 'm', 'w', 'A', 'Q', '"', '\\', '<',
            '>', '(', ')', '[', ']', ',', ';', '_', '/', '=', '?',
        ]),
        // Multi-byte: Latin, upper case outside ASCII, emoji, combining marks,
        // non-ASCII white space, zero-width characters that are *not* forbidden.
        2 => select(vec![
            'é', 'Ä', 'É', 'ß', 'İ', '\u{212A}', 'Ω', '€', '😀', '中', '\u{301}', '\u{a0}',
            '\u{3000}', '\u{200b}', '\u{ad}', '٣', '\u{ff10}',
        ]),
        2 => prop::char::range('\u{0}', '\u{1f}'),
        2 => select(vec![
            '\u{7f}', '\u{85}', '\u{9f}', '\u{2028}', '\u{2029}', '\u{61c}', '\u{200e}',
            '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}',
            '\u{2067}', '\u{2068}', '\u{2069}', '\u{feff}', '\u{fff9}', '\u{fffa}', '\u{fffb}',
        ]),
        1 => any::<char>(),
    ]
}

fn tricky_string() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => vec(tricky_char(), 0..64).prop_map(|cs| cs.into_iter().collect::<String>()),
        // Very long: a short tricky unit repeated up to 5000 characters.
        1 => (vec(tricky_char(), 1..8), 90usize..5000)
            .prop_map(|(unit, n)| unit.iter().cycle().take(n).collect::<String>()),
    ]
}

/// `base` with up to four characters replaced, inserted or removed.
fn mutated<S: Strategy<Value = String>>(base: S) -> impl Strategy<Value = String> {
    (base, vec((any::<Index>(), 0u8..3, tricky_char()), 0..4)).prop_map(|(s, edits)| {
        let mut chars: Vec<char> = s.chars().collect();
        for (ix, op, c) in edits {
            if chars.is_empty() {
                chars.push(c);
                continue;
            }
            let i = ix.index(chars.len());
            match op {
                0 => chars[i] = c,
                1 => chars.insert(i, c),
                _ => {
                    chars.remove(i);
                }
            }
        }
        chars.into_iter().collect()
    })
}

/// Text shaped like what one of the parsers accepts, before mutation.
fn near_valid_text() -> impl Strategy<Value = String> {
    mutated(prop_oneof![
        valid_email_text(),
        valid_slug_text(),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9][ T][0-2][0-9]:[0-5][0-9](:[0-5][0-9])?(Z|[+-][01][0-9]:[0-5][0-9])?",
        "-?[0-9]{1,8}[dhmw]",
        "[245]\\.[0-9]{1,4}\\.[0-9]{1,4}",
        "(smtp; )?[245][0-9]{2} [245]\\.[0-9]{1,3}\\.[0-9]{1,3} [a-z ]{0,20}",
        "[A-Za-z]{1,10}( [A-Za-z]{1,10}){0,3}",
    ])
}

fn any_or_tricky() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), tricky_string(), near_valid_text()]
}

/// Names as people type them: mostly allowed characters, including the ones
/// lettre must quote or encode, sometimes longer than the limit.
fn name_like() -> impl Strategy<Value = String> {
    let c = prop_oneof![
        8 => prop::char::range('a', 'z'),
        2 => prop::char::range('A', 'Z'),
        3 => Just(' '),
        3 => select(vec![
            '"', '\\', '(', ')', '<', '>', ',', ';', ':', '@', '=', '?', '_', '.', '\'', '-',
            'é', 'ë', 'Ç', 'ß', 'К', 'а', 'й', '中', '😀', '\u{301}', '\u{a0}', '\u{3000}',
            '\u{200b}',
        ]),
        1 => any::<char>(),
    ];
    vec(c, 0..=110).prop_map(|cs| cs.into_iter().collect())
}

fn atom() -> impl Strategy<Value = String> {
    "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,8}"
}

fn label() -> impl Strategy<Value = String> {
    "[A-Za-z0-9]([A-Za-z0-9-]{0,6}[A-Za-z0-9])?"
}

/// Plain ASCII addresses (dot-atom local part, host name with a letter TLD),
/// which every mail system accepts.
fn plain_email_parts() -> impl Strategy<Value = (String, String)> {
    (
        vec(atom(), 1..4).prop_map(|a| a.join(".")),
        (vec(label(), 1..4), "[A-Za-z]{2,6}")
            .prop_map(|(ls, tld)| format!("{}.{tld}", ls.join("."))),
    )
}

/// Addresses as they come in: plain ones, with non-ASCII letters in either
/// part (upper case too), quoted local parts, and white space around.
fn valid_email_text() -> impl Strategy<Value = String> {
    let unicode_label = vec(
        prop_oneof![
            3 => prop::char::range('a', 'z'),
            2 => prop::char::range('A', 'Z'),
            2 => select(vec!['é', 'Ä', 'É', 'Ö', 'ü', 'İ', '\u{212A}', 'Ω', 'ж', 'Ж', '中']),
        ],
        1..8,
    )
    .prop_map(|cs| cs.into_iter().collect::<String>());
    let local = prop_oneof![
        4 => vec(atom(), 1..4).prop_map(|a| a.join(".")),
        1 => "\"[A-Za-z0-9.@(),:;<>]{1,10}\"",
        1 => unicode_label.clone(),
    ];
    let domain = prop_oneof![
        3 => plain_email_parts().prop_map(|(_, d)| d),
        2 => (vec(prop_oneof![label(), unicode_label], 1..3), "[A-Za-z]{2,4}")
            .prop_map(|(ls, tld)| format!("{}.{tld}", ls.join("."))),
        1 => Just("localhost".to_string()),
        1 => "\\[[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\]",
    ];
    (" {0,2}", local, domain, " {0,2}").prop_map(|(a, l, d, b)| format!("{a}{l}@{d}{b}"))
}

fn valid_slug_text() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,10}(-[a-z0-9]{1,10}){0,8}"
}

fn amsterdam() -> Tz {
    "Europe/Amsterdam".parse().expect("a known zone")
}

fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(year, month, 31).expect("March and October have 31 days");
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().expect("a day before");
    }
    d
}

/// A valid local date and time, years 2000–2099; half of them on the EU DST
/// switch days around 02:00, where the interesting things happen.
fn local_date_time() -> impl Strategy<Value = (NaiveDate, u32, u32)> {
    let any_day = (2000i32..=2099, 1u32..=12, 1u32..=31)
        .prop_filter_map("a real date", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
    let switch_day = (2000i32..=2099, prop::bool::ANY)
        .prop_map(|(y, spring)| last_sunday(y, if spring { 3 } else { 10 }));
    (
        prop_oneof![any_day, switch_day],
        prop_oneof![0u32..24, 1u32..=3],
        0u32..60,
    )
}

/// Everything a parser takes, with the input as it came.
fn exercise_every_parser(s: &str) {
    let tz = amsterdam();
    let _ = SubscriberName::parse(s);
    let _ = SubscriberName::cleaned(s);
    let _ = text::check(s, SubscriberName::MAX_CHARS);
    let _ = text::check(s, 0);
    let _ = text::cleaned(s, SubscriberName::MAX_CHARS);
    let _ = text::cleaned(s, 0);
    if let Ok(e) = SubscriberEmail::parse(s) {
        let _ = (e.key(), e.address().to_string(), e.to_string());
    }
    let _ = Slug::parse(s);
    let slug = Slug::from_title(s);
    let _ = slug.with_suffix(s);
    let _ = parse_time(s, tz);
    let _ = parse_time(s, chrono_tz::UTC);
    let _ = s.parse::<Offset>().map(|o| (o.to_string(), o.duration()));
    let _ = s.parse::<StatusCode>().map(|c| c.to_string());
    let _ = StatusCode::find_in(s);
    let _ = Action::parse(s);
    let _ = of_feedback(s);
    for outcome in [
        Outcome::Sent(s.to_string()),
        Outcome::Transient(s.to_string()),
        Outcome::Permanent(s.to_string()),
        Outcome::Unknown(s.to_string()),
    ] {
        let _ = of_attempt(&outcome);
    }
    let _ = of_report(&Action::parse(s), StatusCode::find_in(s));
}

// ---------------------------------------------------------------------------
// No parser panics
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn no_parser_panics_on_arbitrary_text(s in any::<String>()) {
        exercise_every_parser(&s);
    }

    #[test]
    fn no_parser_panics_on_tricky_or_near_valid_text(s in prop_oneof![tricky_string(), near_valid_text()]) {
        exercise_every_parser(&s);
    }
}

// ---------------------------------------------------------------------------
// Subscriber names: the rule, the round trip, and the mail they end up in
// ---------------------------------------------------------------------------

/// The From of the test messages; only the To is generated.
fn sender() -> Mailbox {
    Mailbox::new(
        Some("Postbode".into()),
        "nieuws@example.nl".parse().expect("a valid address"),
    )
}

/// Writes a message to `name` as the sender does, and reads it back.
fn mail_to(name: &SubscriberName) -> Result<(), TestCaseError> {
    let to = Mailbox::new(
        Some(name.as_str().to_string()),
        "lezer@example.nl".parse().expect("a valid address"),
    );
    // The crash the name rule exists for: lettre panics on CR/LF in a
    // display name while it writes the To header (in `.to()` or `formatted()`).
    let message = Message::builder()
        .from(sender())
        .to(to)
        .subject("x")
        .body(String::from("y"))
        .map_err(|e| TestCaseError::fail(format!("building the message: {e}")))?;
    let bytes = message.formatted();
    // And nothing in the name may turn into another header or recipient.
    let parsed = mail_parser::MessageParser::default()
        .parse(&bytes[..])
        .ok_or_else(|| TestCaseError::fail("the formatted message does not parse"))?;
    let to = parsed
        .to()
        .map(|a| a.clone().into_list())
        .unwrap_or_default();
    prop_assert_eq!(to.len(), 1, "To of {:?}", String::from_utf8_lossy(&bytes));
    prop_assert_eq!(to[0].address(), Some("lezer@example.nl"));
    prop_assert_eq!(to[0].name().unwrap_or(""), name.as_str(), "name read back");
    prop_assert!(parsed.bcc().is_none() && parsed.cc().is_none());
    Ok(())
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn name_parse_is_the_trimmed_text_exactly_when_it_is_clean_and_short(
        raw in prop_oneof![name_like(), any_or_tricky()],
    ) {
        let trimmed = raw.trim();
        let clean = !trimmed.chars().any(text::is_forbidden);
        let short = trimmed.chars().count() <= SubscriberName::MAX_CHARS;
        match SubscriberName::parse(&raw) {
            Ok(n) => {
                prop_assert!(clean && short, "accepted {:?}", raw);
                prop_assert_eq!(n.as_str(), trimmed);
            }
            Err(e) => prop_assert!(!(clean && short), "refused {:?}: {}", raw, e),
        }
    }

    #[test]
    fn parsed_name_round_trips(raw in prop_oneof![name_like(), any_or_tricky()]) {
        if let Ok(n) = SubscriberName::parse(&raw) {
            prop_assert_eq!(SubscriberName::parse(n.as_str()), Ok(n));
        }
    }

    #[test]
    fn parsed_name_has_no_forbidden_character_and_fits(
        raw in prop_oneof![name_like(), any_or_tricky()],
    ) {
        if let Ok(n) = SubscriberName::parse(&raw) {
            prop_assert!(
                !n.as_str().chars().any(text::is_forbidden),
                "{:?} holds a forbidden character", n.as_str()
            );
            prop_assert!(n.as_str().chars().count() <= SubscriberName::MAX_CHARS);
            // No line break by any name, whatever is_forbidden says.
            let breaks = ['\r', '\n', '\u{85}', '\u{2028}', '\u{2029}'];
            prop_assert!(!n.as_str().contains(breaks), "{:?} holds a line break", n.as_str());
        }
    }

    #[test]
    fn cleaned_name_always_parses_again_unchanged(raw in any_or_tricky()) {
        let c = SubscriberName::cleaned(&raw);
        prop_assert_eq!(SubscriberName::parse(c.as_str()), Ok(c.clone()));
        prop_assert_eq!(SubscriberName::cleaned(c.as_str()), c.clone(), "cleaning twice changes it");
        // Cleaning keeps what can be kept: a name that already was clean,
        // single-spaced and short comes out as it went in.
        let single_spaced = raw.split(' ').all(|w| !w.is_empty())
            && !raw.chars().any(|ch| ch.is_whitespace() && ch != ' ');
        if single_spaced && SubscriberName::parse(&raw).is_ok() {
            prop_assert_eq!(c.as_str(), raw.as_str());
        }
    }

    #[test]
    fn any_parsed_or_cleaned_name_can_be_mailed(
        raw in prop_oneof![3 => name_like(), 1 => any_or_tricky()],
    ) {
        if let Ok(n) = SubscriberName::parse(&raw) {
            mail_to(&n)?;
        }
        mail_to(&SubscriberName::cleaned(&raw))?;
    }
}

// ---------------------------------------------------------------------------
// E-mail addresses
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn parsed_email_round_trips(raw in prop_oneof![3 => valid_email_text(), 1 => any_or_tricky()]) {
        if let Ok(e) = SubscriberEmail::parse(&raw) {
            let again = SubscriberEmail::parse(e.as_str());
            prop_assert_eq!(again.as_ref().map(SubscriberEmail::as_str), Ok(e.as_str()));
            prop_assert_eq!(again, Ok(e));
        }
    }

    #[test]
    fn plain_ascii_email_is_accepted_with_its_domain_lower_cased(
        (local, domain) in plain_email_parts(),
    ) {
        prop_assume!(local.len() + 1 + domain.len() <= SubscriberEmail::MAX_LEN);
        let raw = format!(" {local}@{domain}\t");
        let e = SubscriberEmail::parse(&raw);
        prop_assert!(e.is_ok(), "refused {:?}: {:?}", raw, e);
        let e = e.expect("checked");
        prop_assert_eq!(e.as_str(), format!("{local}@{}", domain.to_ascii_lowercase()));
        prop_assert_eq!(e.address().user(), local.as_str());
    }

    #[test]
    fn parsed_email_has_no_white_space_or_forbidden_character(
        raw in prop_oneof![3 => valid_email_text(), 1 => any_or_tricky()],
    ) {
        if let Ok(e) = SubscriberEmail::parse(&raw) {
            let s = e.as_str();
            prop_assert!(
                !s.chars().any(|c| c.is_whitespace() || text::is_forbidden(c)),
                "{:?}", s
            );
            prop_assert!(s.len() <= SubscriberEmail::MAX_LEN);
            prop_assert_eq!(e.address().to_string(), s);
            prop_assert_eq!(e.key(), s.to_lowercase());
        }
    }

    #[test]
    fn parsed_email_domain_is_lower_case(
        raw in prop_oneof![3 => valid_email_text(), 1 => any_or_tricky()],
    ) {
        if let Ok(e) = SubscriberEmail::parse(&raw) {
            let domain = e.address().domain();
            let at_domain = format!("@{domain}");
            prop_assert!(e.as_str().ends_with(&at_domain), "{:?} vs {:?}", e.as_str(), domain);
            prop_assert_eq!(
                domain.to_lowercase(), domain,
                "parse({:?}) = {:?}: domain not lower case", raw, e.as_str()
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Slugs
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn parsed_slug_round_trips(raw in prop_oneof![valid_slug_text(), any_or_tricky()]) {
        if let Ok(s) = Slug::parse(&raw) {
            prop_assert_eq!(s.as_str(), raw.as_str());
            prop_assert_eq!(Slug::parse(s.as_str()), Ok(s.clone()));
        }
    }

    #[test]
    fn generated_slugs_parse(raw in valid_slug_text()) {
        prop_assert_eq!(Slug::parse(&raw).map(|s| s.as_str().to_string()), Ok(raw));
    }

    #[test]
    fn slug_from_any_title_is_valid_and_takes_a_date_suffix(
        title in prop_oneof![any_or_tricky(), "[A-Za-zéëïüç0-9 ,.:!?'‘’…-]{0,200}"],
    ) {
        let s = Slug::from_title(&title);
        prop_assert_eq!(Slug::parse(s.as_str()), Ok(s.clone()));
        prop_assert!(s.as_str().len() <= 80, "{:?} is longer than 80", s);
        prop_assert_eq!(Slug::from_title(s.as_str()), s.clone(), "from_title is not idempotent");
        let dated = s.with_suffix("2026-01-02");
        prop_assert_eq!(Slug::parse(dated.as_str()), Ok(dated.clone()));
        // A title slug leaves room for the date: it is appended, not cut off.
        prop_assert_eq!(dated.as_str(), format!("{}-2026-01-02", s.as_str()));
    }

    #[test]
    fn slug_with_any_suffix_is_valid(
        base in prop_oneof![valid_slug_text(), any_or_tricky()],
        suffix in any_or_tricky(),
    ) {
        let base = Slug::parse(&base).unwrap_or_else(|_| Slug::from_title(&base));
        let joined = base.with_suffix(&suffix);
        prop_assert_eq!(Slug::parse(joined.as_str()), Ok(joined.clone()));
    }
}

// ---------------------------------------------------------------------------
// Front-matter times
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(2048))]

    /// Oracle: the EU rule Amsterdam follows, written out independently.
    /// Summer time runs from 02:00 (→ 03:00) on the last Sunday of March to
    /// 03:00 (→ 02:00) on the last Sunday of October; the doubled hour is taken
    /// in summer time (the first of the two).
    #[test]
    fn local_time_in_amsterdam_round_trips_or_falls_in_the_spring_gap(
        (date, hour, minute) in local_date_time(),
    ) {
        let tz = amsterdam();
        let text = format!("{} {hour:02}:{minute:02}", date.format("%Y-%m-%d"));
        let spring = last_sunday(date.year(), 3);
        let autumn = last_sunday(date.year(), 10);
        let in_gap = date == spring && hour == 2;
        match parse_time(&text, tz) {
            Err(e) => {
                prop_assert!(in_gap, "{:?} refused: {}", text, e);
                prop_assert!(e.to_string().contains("does not exist"), "{:?} refused: {}", text, e);
            }
            Ok(t) => {
                prop_assert!(!in_gap, "{:?} is in the spring gap but gave {}", text, t);
                let local = t.with_timezone(&tz);
                prop_assert_eq!(local.format("%Y-%m-%d %H:%M").to_string(), text.clone());
                let summer = (date > spring || (date == spring && hour >= 3))
                    && (date < autumn || (date == autumn && hour < 3));
                let expected = if summer { 2 } else { 1 };
                prop_assert_eq!(
                    t.naive_utc() + Duration::hours(expected),
                    date.and_hms_opt(hour, minute, 0).expect("valid"),
                    "{:?} gave {}", text, t
                );
                // The other spellings editors use name the same instant.
                let with_t = format!("{}T{hour:02}:{minute:02}", date.format("%Y-%m-%d"));
                prop_assert_eq!(parse_time(&with_t, tz), Ok(t));
                prop_assert_eq!(parse_time(&format!(" {text}:00 "), tz), Ok(t));
            }
        }
    }

    #[test]
    fn rfc3339_utc_time_round_trips_exactly(
        secs in 946_684_800i64..4_102_444_800,
        nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
        offset_minutes in -14 * 60i32..=14 * 60,
    ) {
        let t = DateTime::from_timestamp(secs, nanos).expect("in range");
        let z = t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        prop_assert!(z.ends_with('Z'));
        prop_assert_eq!(parse_time(&z, amsterdam()), Ok(t));
        prop_assert_eq!(parse_time(&z, chrono_tz::America::New_York), Ok(t));
        // The same instant written with an offset is the same instant.
        let fixed = chrono::FixedOffset::east_opt(offset_minutes * 60).expect("in range");
        let shifted = fixed.from_utc_datetime(&t.naive_utc()).to_rfc3339();
        prop_assert_eq!(parse_time(&shifted, amsterdam()), Ok(t));
    }
}

// ---------------------------------------------------------------------------
// Reminder offsets
// ---------------------------------------------------------------------------

fn unit() -> impl Strategy<Value = (&'static str, i64)> {
    select(vec![("d", 24 * 60), ("h", 60), ("m", 1)])
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn offset_of_n_units_lasts_n_units(n in 1i64..=1000, (u, per) in unit(), pad in " {0,2}") {
        let text = format!("{pad}{n}{u}{pad}");
        let o = text.parse::<Offset>();
        // Up to a year ahead, in any unit; beyond that it is refused.
        if n * per <= 366 * 24 * 60 {
            prop_assert!(o.is_ok(), "{:?} refused: {:?}", text, o);
            prop_assert_eq!(o.expect("checked").duration().num_minutes(), n * per);
        } else {
            prop_assert!(o.is_err(), "{:?} accepted: more than a year ahead", text);
        }
    }

    #[test]
    fn offset_of_zero_or_less_is_refused(n in -1000i64..=0, (u, _) in unit()) {
        let text = format!("{n}{u}");
        prop_assert!(text.parse::<Offset>().is_err(), "{:?} accepted", text);
    }

    /// `2d`, `48h` and `2880m` are one duration: whether it is accepted
    /// must not depend on the unit it is written in.
    #[test]
    fn same_offset_in_days_hours_or_minutes_is_accepted_alike(days in 1i64..=1000) {
        let spellings = [
            format!("{days}d"),
            format!("{}h", days * 24),
            format!("{}m", days * 24 * 60),
        ];
        let parsed: Vec<_> = spellings.iter().map(|s| s.parse::<Offset>().ok()).collect();
        prop_assert!(
            parsed.iter().all(|p| *p == parsed[0]),
            "{:?} parse as {:?}", spellings, parsed
        );
    }

    #[test]
    fn parsed_offset_round_trips(
        raw in prop_oneof![
            (-10i64..2_000_000, unit()).prop_map(|(n, (u, _))| format!("{n}{u}")),
            any_or_tricky(),
        ],
    ) {
        if let Ok(o) = raw.parse::<Offset>() {
            prop_assert!(o.duration() > Duration::zero());
            let shown = o.to_string();
            prop_assert_eq!(shown.parse::<Offset>(), Ok(o), "{:?} shown as {:?}", raw, shown);
        }
    }
}

// ---------------------------------------------------------------------------
// Status codes and the reply classifier
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn status_code_display_parses_back(
        class in select(vec![2u8, 4, 5]),
        subject in 0u16..=999,
        detail in 0u16..=999,
    ) {
        let code = StatusCode::new(class, subject, detail);
        prop_assert_eq!(code.to_string().parse::<StatusCode>(), Ok(code));
    }

    #[test]
    fn parsed_status_code_round_trips(
        raw in prop_oneof![" ?[0-9]{1,2}\\.[0-9]{0,4}\\.[0-9]{0,4} ?", any_or_tricky()],
    ) {
        if let Ok(code) = raw.parse::<StatusCode>() {
            prop_assert!(matches!(code.class(), 2 | 4 | 5), "{:?} gave class {}", raw, code.class());
            prop_assert!(code.subject() <= 999 && code.detail() <= 999);
            let shown = code.to_string();
            prop_assert_eq!(shown.parse::<StatusCode>(), Ok(code), "{:?} shown as {:?}", raw, shown);
        }
    }

    #[test]
    fn status_code_is_found_in_a_reply(
        class in select(vec![2u8, 4, 5]),
        subject in 0u16..=999,
        detail in 0u16..=999,
        before in "[a-zA-Z <>@.:;,()\\[\\]]{0,20}",
        after in "[a-zA-Z0-9 <>@.:;,()-]{0,20}",
    ) {
        let code = StatusCode::new(class, subject, detail);
        let reply = format!("{before} {code} {after}");
        prop_assert_eq!(StatusCode::find_in(&reply), Some(code), "in {:?}", reply);
    }

    #[test]
    fn refusal_while_sending_and_in_a_bounce_report_agree(
        subject in 0u16..=7,
        detail in 0u16..=30,
        lettre_style in prop::bool::ANY,
    ) {
        let code = StatusCode::new(5, subject, detail);
        let reply = if lettre_style {
            format!("permanent error (550): {code} text")
        } else {
            format!("550 {code} text")
        };
        let sending = of_attempt(&Outcome::Permanent(reply.clone()));
        let report = of_report(&Action::Failed, Some(code));
        prop_assert!(report.is_some(), "no verdict on a failed report with {}", code);
        prop_assert_eq!(Some(sending), report, "{:?} vs a DSN with {}", reply, code);
    }
}

// ---------------------------------------------------------------------------
// Shrunk failures, pinned
// ---------------------------------------------------------------------------

/// Found by `parsed_email_domain_is_lower_case`: `parse` lower-cases only the
/// ASCII letters of the domain, so an internationalised domain keeps its
/// capitals although the doc comment promises a lower-cased domain.
#[test]
fn non_ascii_capitals_in_the_domain_are_lower_cased() {
    let e = SubscriberEmail::parse("a@Ä.aa").map(|e| e.as_str().to_string());
    assert_eq!(e, Ok("a@ä.aa".to_string()));
}

/// Found by `same_offset_in_days_hours_or_minutes_is_accepted_alike`: the
/// upper limit (366 days, written in minutes) is compared with the number
/// as written, not with the minutes, so 367 days pass as `367d` or `8808h`
/// and fail as `528480m`, and `527040d` (1443 years) passes.
#[test]
fn offset_limit_holds_for_the_duration_not_the_number() {
    let minutes = |s: &str| s.parse::<Offset>().map(|o| o.duration().num_minutes()).ok();
    assert_eq!(minutes("528480m"), minutes("367d"));
}
