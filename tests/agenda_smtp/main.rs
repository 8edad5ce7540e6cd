//! Agenda reminders end to end, on the wall clock: a real `postbode serve`
//! and a real SMTP server (aiosmtpd). An issue announces three meetings a
//! good minute ahead with `reminders: [1m]`; what arrives is compared, mail
//! for mail, with what each subscriber should get, and every calendar is read
//! back with Python's `icalendar`. Then the sent issue's file is edited (one
//! meeting moved, one cancelled) and the daemon restarted. About a minute;
//! `tests/agenda` checks the same rules with an injected clock.

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/ics.rs"]
mod ics_reader;

use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, SubsecRound, Utc};
use common::{Postbode, Received, SmtpServer};
use mail_parser::{MessagePart, MimeHeaders};

const SLUG: &str = "agenda-deze-week";
const ISSUE_SUBJECT: &str = "Platformnieuws: de agenda van deze week";
const TZ: chrono_tz::Tz = chrono_tz::Europe::Amsterdam;

/// Who subscribes with which choices (`subscribers add` flags).
const SUBSCRIBERS: &[(&str, &[&str])] = &[
    // The workshop, reminders on.
    (
        "anna@example.nl",
        &["--workshop", "arbeid-en-inclusie", "--reminders"],
    ),
    // The same workshop, reminders off.
    ("bert@example.nl", &["--workshop", "arbeid-en-inclusie"]),
    // The theme, reminders on.
    (
        "carla@example.nl",
        &["--interest", "geweld-in-gezinnen", "--reminders"],
    ),
    // Follows nothing, reminders on.
    ("dirk@example.nl", &["--reminders"]),
    // Another workshop, reminders on.
    (
        "eva@example.nl",
        &["--workshop", "transformatie-jeugd", "--reminders"],
    ),
    // The workshop, reminders on, but unsubscribed below.
    (
        "frank@example.nl",
        &["--workshop", "arbeid-en-inclusie", "--reminders"],
    ),
];
const ACTIVE: [&str; 5] = ["anna", "bert", "carla", "dirk", "eva"];

/// One agenda item as the test writes it and expects it back.
#[derive(Clone)]
struct Meeting {
    id: &'static str,
    title: &'static str,
    /// The front-matter line saying who follows it; empty: untagged.
    target: &'static str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    location: &'static str,
    cancelled: bool,
}

impl Meeting {
    fn yaml(&self) -> String {
        let mut y = format!(
            "  - id: {}\n    title: \"{}\"\n    start: {}\n    end: {}\n    location: \"{}\"\n    reminders: [1m]\n",
            self.id,
            self.title,
            rfc3339(self.start),
            rfc3339(self.end),
            self.location
        );
        if !self.target.is_empty() {
            y.push_str(&format!("    {}\n", self.target));
        }
        if self.cancelled {
            y.push_str("    status: cancelled\n");
        }
        y
    }

    /// The subject of its reminder (`Herinnering`), update or cancellation.
    fn subject(&self, prefix: &str) -> String {
        format!(
            "{prefix}: {} op {}",
            self.title,
            dutch_when(self.start, self.end)
        )
    }
}

fn issue(send_at: DateTime<Utc>, agenda: &[&Meeting]) -> String {
    let items: String = agenda.iter().map(|m| m.yaml()).collect();
    format!(
        "---\nsubject: \"{ISSUE_SUBJECT}\"\nsend_at: {}\nagenda:\n{items}---\nDrie bijeenkomsten deze week.\n",
        rfc3339(send_at)
    )
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// "donderdag 21 september 2017, 13:30–17:00", in Amsterdam time.
fn dutch_when(start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    const DAYS: [&str; 7] = [
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
    ];
    const MONTHS: [&str; 12] = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ];
    let day = |t: DateTime<chrono_tz::Tz>| {
        format!(
            "{} {} {} {}",
            DAYS[t.weekday().num_days_from_monday() as usize],
            t.day(),
            MONTHS[t.month0() as usize],
            t.year()
        )
    };
    let (s, e) = (start.with_timezone(&TZ), end.with_timezone(&TZ));
    if s.date_naive() == e.date_naive() {
        format!("{}, {}–{}", day(s), s.format("%H:%M"), e.format("%H:%M"))
    } else {
        let (from, to) = (s.format("%H:%M"), e.format("%H:%M"));
        format!("{}, {from} tot {} {to}", day(s), day(e))
    }
}

/// What arrived, as sorted (recipient, subject) pairs.
fn mailbox(smtp: &SmtpServer) -> Vec<(String, String)> {
    let mut got: Vec<_> = smtp
        .messages()
        .iter()
        .map(|m| (m.rcpt.clone(), m.subject()))
        .collect();
    got.sort();
    got
}

/// Waits (at most `secs`) until as many mails as `expected` arrived, then
/// until `quiet_until`, so that a late extra one shows; then the mailbox must
/// be exactly `expected`: nothing missing, nothing extra, nothing twice.
fn assert_mailbox(
    pb: &Postbode,
    smtp: &SmtpServer,
    expected: &[(String, String)],
    secs: u64,
    quiet_until: Instant,
) {
    let mut want = expected.to_vec();
    want.sort();
    let end = Instant::now() + Duration::from_secs(secs);
    while smtp.messages().len() < want.len() {
        assert!(
            Instant::now() < end,
            "after {secs}s the mailbox is\n{:#?}\nnot\n{want:#?}\nlog:\n{}",
            mailbox(smtp),
            pb.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(quiet_until.saturating_duration_since(Instant::now()));
    assert_eq!(mailbox(smtp), want, "log:\n{}", pb.log());
}

fn content_type(part: &MessagePart<'_>) -> String {
    let ct = part.content_type().expect("Content-Type");
    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase()
}

/// The attached `<id>.ics` of an agenda mail, after checking the mail's shape.
fn attached_calendar(m: &Received, id: &str, method: &str) -> String {
    let msg = m.parsed();
    let root = msg.root_part();
    assert_eq!(content_type(root), "multipart/mixed");
    let top = root.sub_parts().expect("mixed has parts");
    assert_eq!(top.len(), 2, "alternative and attachment");
    let alternative = msg.part(top[0]).expect("alternative");
    let types: Vec<String> = alternative
        .sub_parts()
        .expect("alternative has parts")
        .iter()
        .map(|&p| content_type(msg.part(p).expect("part")))
        .collect();
    assert_eq!(types, ["text/plain", "text/html", "text/calendar"]);
    let attachment = msg.part(top[1]).expect("attachment");
    assert_eq!(content_type(attachment), "text/calendar");
    assert_eq!(
        attachment.attachment_name(),
        Some(format!("{id}.ics").as_str())
    );
    assert_eq!(
        attachment
            .content_type()
            .and_then(|ct| ct.attribute("method")),
        Some(method)
    );
    String::from_utf8(attachment.contents().to_vec()).expect("UTF-8 calendar")
}

/// One reminder, update or cancellation as the recipient's client sees it.
fn check_agenda_mail(pb: &Postbode, m: &Received, meeting: &Meeting, sequence: i64) {
    let (method, status) = if meeting.cancelled {
        ("CANCEL", Some("CANCELLED"))
    } else {
        ("PUBLISH", None)
    };
    let who = &m.rcpt;
    assert!(m.header("To").expect("To").contains(who.as_str()), "{who}");
    assert_eq!(
        m.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(
        m.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click"),
        "{who}"
    );
    let unsubscribe = m.unsubscribe_url();
    assert!(
        unsubscribe.starts_with(&format!("{}/unsubscribe/", pb.base_url())),
        "{unsubscribe}"
    );
    assert!(m.text().contains(&unsubscribe), "visible unsubscribe link");

    let ics = attached_calendar(m, meeting.id, method);
    assert!(ics.ends_with("\r\n"), "{ics:?}");
    for line in ics[..ics.len() - 2].split("\r\n") {
        assert!(
            !line.contains(['\r', '\n']),
            "a bare line break in {line:?}"
        );
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    let name = format!("{}-{}-{sequence}.ics", who, meeting.id);
    let mut got = ics_reader::read_with_python(pb.dir.path(), &name, &ics);
    let fields = got.as_object_mut().expect("object");
    for stamp in ["DTSTAMP", "PRODID"] {
        assert!(
            fields.remove(stamp).is_some_and(|v| v.is_string()),
            "{stamp}"
        );
    }
    let utc = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
    assert_eq!(
        got,
        serde_json::json!({
            "METHOD": method,
            "VERSION": "2.0",
            "UID": format!("{}@kus.example.nl", meeting.id),
            "SEQUENCE": sequence,
            "DTSTART": utc(meeting.start),
            "DTEND": utc(meeting.end),
            "SUMMARY": meeting.title,
            "LOCATION": meeting.location,
            "URL": null,
            "STATUS": status,
            "DESCRIPTION": null,
            "ORGANIZER": "mailto:nieuws@kus.example.nl",
            "ORGANIZER_CN": "kUS Platformnieuws",
        }),
        "{who}: {}",
        m.subject()
    );
}

/// The one `prefix` mail about `meeting` to each of `who`, checked as an
/// agenda mail whose calendar has `sequence`.
fn check_sent(
    pb: &Postbode,
    smtp: &SmtpServer,
    who: &[&str],
    prefix: &str,
    meeting: &Meeting,
    sequence: i64,
) {
    let subject = meeting.subject(prefix);
    for w in who {
        let rcpt = format!("{w}@example.nl");
        let mails: Vec<Received> = smtp
            .with_subject(&subject)
            .into_iter()
            .filter(|m| m.rcpt == rcpt)
            .collect();
        assert_eq!(mails.len(), 1, "{rcpt}: {subject}");
        check_agenda_mail(pb, &mails[0], meeting, sequence);
    }
}

fn pairs(who: &[&str], subject: &str) -> Vec<(String, String)> {
    who.iter()
        .map(|w| (format!("{w}@example.nl"), subject.to_string()))
        .collect()
}

/// An installation with the subscribers of [`SUBSCRIBERS`], serving.
fn start(smtp: &SmtpServer) -> Postbode {
    let mut pb = Postbode::new(&smtp.url(), "");
    for (email, flags) in SUBSCRIBERS {
        let mut args = vec!["subscribers", "add", email];
        args.extend_from_slice(&["--confirmed", "--consent", "test"]);
        args.extend_from_slice(flags);
        pb.ok(&args);
    }
    pb.ok(&["subscribers", "unsubscribe", "frank@example.nl"]);
    pb.serve();
    pb
}

/// The three meetings, starting `at(72)`, `at(78)` and `at(84)`: one for a
/// workshop, one for a theme, one untagged (a long title, folded in the .ics).
fn meetings(at: impl Fn(i64) -> DateTime<Utc>) -> [Meeting; 3] {
    [
        Meeting {
            id: "werkplaats-arbeid-en-inclusie",
            title: "Bijeenkomst werkplaats Arbeid en Inclusie",
            target: "workshop: arbeid-en-inclusie",
            start: at(72),
            end: at(72 + 150 * 60),
            location: "Hogeschool Utrecht, Padualaan 101, Utrecht",
            cancelled: false,
        },
        Meeting {
            id: "expertmeeting-geweld",
            title: "Expertmeeting geweld in gezinnen: één aanpak; wat werkt?",
            target: "interests: [geweld-in-gezinnen]",
            start: at(78),
            end: at(78 + 60 * 60),
            location: "Stadskantoor Utrecht, Stadsplateau 1",
            cancelled: false,
        },
        Meeting {
            id: "platformdag",
            title: "Platformdag kennisplatform Utrecht Sociaal: samen werken aan een inclusieve wijk",
            target: "",
            start: at(84),
            end: at(84 + 5 * 60 * 60),
            location: "TivoliVredenburg, Vredenburgkade 11, Utrecht",
            cancelled: false,
        },
    ]
}

#[test]
fn reminders_updates_and_cancellations_reach_exactly_those_concerned() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = start(&smtp);
    // Everything is timed from here: the issue goes out at +4 s, the
    // meetings start at +72, +78 and +84 s, so their reminders are due at
    // +12, +18 and +24 s.
    let t0 = Instant::now();
    let base = Utc::now().trunc_subsecs(0);
    let at = |s: i64| base + chrono::Duration::seconds(s);
    let after = |s: u64| t0 + Duration::from_secs(s);
    let [mut workshop, mut theme, platformdag] = meetings(at);
    let file = format!("{SLUG}.md");
    pb.drop_issue(&file, &issue(at(4), &[&workshop, &theme, &platformdag]));

    // 1. The issue to every active subscriber; a reminder of each meeting to
    // the active followers with reminders on; of the untagged one to every
    // active subscriber with reminders on (the issue's audience is everyone).
    let everyone_reminded = ["anna", "carla", "dirk", "eva"];
    let mut expected = pairs(&ACTIVE, ISSUE_SUBJECT);
    expected.extend(pairs(&["anna"], &workshop.subject("Herinnering")));
    expected.extend(pairs(&["carla"], &theme.subject("Herinnering")));
    expected.extend(pairs(
        &everyone_reminded,
        &platformdag.subject("Herinnering"),
    ));
    assert_mailbox(&pb, &smtp, &expected, 45, after(29));

    // 2. Every reminder's calendar: the first version of each meeting.
    check_sent(&pb, &smtp, &["anna"], "Herinnering", &workshop, 0);
    check_sent(&pb, &smtp, &["carla"], "Herinnering", &theme, 0);
    check_sent(
        &pb,
        &smtp,
        &everyone_reminded,
        "Herinnering",
        &platformdag,
        0,
    );

    // 3. The issue is sent; its file is edited: the workshop meeting moves
    // (later, elsewhere), the theme's meeting is cancelled.
    pb.wait_issue(SLUG, "sent", 10);
    workshop.start = at(110);
    workshop.end = at(110 + 120 * 60);
    workshop.location = "Stadhuis Utrecht, Korte Minrebroederstraat 2";
    theme.cancelled = true;
    pb.drop_issue(&file, &issue(at(4), &[&workshop, &theme, &platformdag]));
    expected.extend(pairs(&["anna"], &workshop.subject("Gewijzigd")));
    expected.extend(pairs(&["carla"], &theme.subject("Geannuleerd")));
    // Past +50 s, when a second reminder of the moved meeting would be due:
    // its 1m reminder went out already, so none comes.
    assert_mailbox(&pb, &smtp, &expected, 15, after(55));
    check_sent(&pb, &smtp, &["anna"], "Gewijzigd", &workshop, 1);
    check_sent(&pb, &smtp, &["carla"], "Geannuleerd", &theme, 1);
    let warning = pb.issue_status(SLUG).expect("issue")["warning"].to_string();
    assert!(
        warning.contains(
            "except the agenda: 1 meeting(s) changed, 1 cancelled, 2 update or cancellation mail(s)"
        ),
        "{warning}"
    );

    // 4. A restart before the meetings start sends nothing again: not the
    // issue, not a reminder, not an update.
    pb.stop();
    pb.serve();
    let restarted = Instant::now();
    assert!(Utc::now() < platformdag.start - chrono::Duration::seconds(10));
    assert_mailbox(&pb, &smtp, &expected, 1, restarted + Duration::from_secs(8));
    assert_eq!(pb.issue_status(SLUG).expect("issue")["status"], "sent");
    // And the daemon met no error on the way: a step that failed (and was
    // logged) may not show in the mail of this run, but would in another.
    let log = pb.log();
    let errors: Vec<&str> = log.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
