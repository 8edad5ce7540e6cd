//! Reminder, update and cancellation mails composed without a running daemon,
//! read back with a real MIME parser (mail-parser) and their calendars with
//! Python's `icalendar` package (`POSTBODE_TEST_PYTHON`, default `python3`).

#[path = "../common/mod.rs"]
mod common;
#[path = "../common/ics.rs"]
mod ics_reader;

use chrono::{DateTime, Utc};
use common::Postbode;
use common::typed::{email, name, segments, slug};
use mail_parser::{MessageParser, MessagePart, MimeHeaders};
use postbode::domain::issue::AgendaItem;
use postbode::domain::subscriber::{Language, Recipient};
use postbode::reminders::mail::{ReminderKind, compose_reminder};

const TITLE: &str = "Naaicafé ‘Coöperatie’: reünie, café; één avond <script>alert(1)</script>";
const LOCATION: &str = "Buurthuis ’t Hoekje, Oudegracht 12; achterzaal";
const REASON: &str = "Je krijgt deze herinnering omdat je Werkplaats Arbeid & Inclusie volgt.";

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

fn item() -> AgendaItem {
    AgendaItem {
        id: slug("naaicafe-oktober"),
        title: TITLE.into(),
        // The Sunday the clocks go back: 09:00–11:30 in Amsterdam.
        start: utc("2026-10-25T08:00:00Z"),
        end: Some(utc("2026-10-25T10:30:00Z")),
        location: LOCATION.into(),
        url: "https://kus.example.nl/agenda/naaicafe-oktober".into(),
        description: String::new(),
        workshop: Some(slug("arbeid-en-inclusie")),
        interests: Vec::new(),
        reminders: Vec::new(),
        cancelled: false,
        id_guessed: false,
        all_day: None,
    }
}

fn recipient() -> Recipient {
    Recipient {
        id: 7,
        email: email("zoe@example.org"),
        name: name("Zoë de Vries"),
        language: Language::Nl,
        segments: segments(&["arbeid-en-inclusie"], &[]),
        link_generation: 0,
    }
}

fn content_type(part: &MessagePart<'_>) -> String {
    let ct = part.content_type().expect("Content-Type");
    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase()
}

fn method(part: &MessagePart<'_>) -> String {
    part.content_type()
        .and_then(|ct| ct.attribute("method"))
        .expect("method parameter")
        .to_string()
}

/// What one mail must look like; returns the attached calendar.
fn check_mail(raw: &[u8], subject: &str, ics_method: &str, base_url: &str) -> String {
    let msg = MessageParser::default().parse(raw).expect("a MIME message");
    let header = |name: &str| {
        msg.header_raw(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} header"))
    };
    assert_eq!(msg.subject(), Some(subject));
    assert_eq!(header("Auto-Submitted"), "auto-generated");
    assert_eq!(
        header("List-Id"),
        "kennisplatform Utrecht Sociaal <platformnieuws.kus.example.nl>"
    );
    assert_eq!(
        header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let unsubscribe = header("List-Unsubscribe");
    let unsubscribe = unsubscribe
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .expect("List-Unsubscribe in angle brackets")
        .to_string();
    assert!(
        unsubscribe.starts_with(&format!("{base_url}/unsubscribe/")),
        "{unsubscribe}"
    );
    assert!(
        msg.message_id()
            .expect("Message-ID")
            .ends_with("@kus.example.nl"),
        "{:?}",
        msg.message_id()
    );
    assert!(msg.header_raw("Date").is_some());
    assert!(header("To").contains("zoe@example.org"));

    // multipart/mixed: multipart/alternative, then the attachment.
    let root = msg.root_part();
    assert_eq!(content_type(root), "multipart/mixed");
    let top = root.sub_parts().expect("mixed has parts");
    assert_eq!(top.len(), 2, "alternative and attachment");
    let alternative = msg.part(top[0]).expect("alternative");
    assert_eq!(content_type(alternative), "multipart/alternative");
    let alts: Vec<&MessagePart<'_>> = alternative
        .sub_parts()
        .expect("alternative has parts")
        .iter()
        .map(|&id| msg.part(id).expect("part"))
        .collect();
    let types: Vec<String> = alts.iter().map(|p| content_type(p)).collect();
    assert_eq!(types, ["text/plain", "text/html", "text/calendar"]);
    assert_eq!(method(alts[2]), ics_method);
    let inline_ics = alts[2].text_contents().expect("calendar text").to_string();
    assert!(inline_ics.contains(&format!("METHOD:{ics_method}\r\n")));

    let attachment = msg.part(top[1]).expect("attachment");
    assert_eq!(content_type(attachment), "text/calendar");
    assert_eq!(method(attachment), ics_method);
    assert_eq!(attachment.attachment_name(), Some("naaicafe-oktober.ics"));
    assert_eq!(
        attachment
            .content_disposition()
            .map(|d| d.ctype().to_ascii_lowercase()),
        Some("attachment".into())
    );
    let ics = attachment.text_contents().expect("ics text").to_string();
    assert_eq!(ics, inline_ics, "the same calendar twice");

    // Text part: readable facts and both ways out.
    let text = alts[0].text_contents().expect("text").to_string();
    for want in [
        TITLE,
        "zondag 25 oktober 2026, 09:00–11:30",
        LOCATION,
        "https://kus.example.nl/agenda/naaicafe-oktober",
        REASON,
        unsubscribe.as_str(),
    ] {
        assert!(text.contains(want), "text lacks {want:?}:\n{text}");
    }
    let preferences = text
        .lines()
        .find(|l| l.starts_with(&format!("{base_url}/preferences/")))
        .unwrap_or_else(|| panic!("no preferences link:\n{text}"))
        .to_string();

    // HTML: the same facts, every value escaped.
    let html = alts[1].text_contents().expect("html").to_string();
    for want in [
        "Naaicafé ‘Coöperatie’: reünie, café; één avond &lt;script&gt;alert(1)&lt;/script&gt;",
        "zondag 25 oktober 2026, 09:00–11:30",
        LOCATION,
        "Je krijgt deze herinnering omdat je Werkplaats Arbeid &amp; Inclusie volgt.",
        &format!("href=\"{preferences}\""),
        &format!("href=\"{unsubscribe}\""),
    ] {
        assert!(html.contains(want), "HTML lacks {want:?}:\n{html}");
    }
    assert!(!html.contains("<script>alert"), "{html}");
    ics
}

#[tokio::test(flavor = "multi_thread")]
async fn reminder_update_and_cancel_mails() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    let ctx = pb.agenda_mails();
    let base_url = pb.base_url();
    let r = recipient();
    let it = item();
    let when = "zondag 25 oktober 2026, 09:00–11:30";

    let cases = [
        (ReminderKind::Reminder, 0, "Herinnering", "PUBLISH", None),
        (ReminderKind::Update, 1, "Gewijzigd", "PUBLISH", None),
        (
            ReminderKind::Cancel,
            2,
            "Geannuleerd",
            "CANCEL",
            Some("CANCELLED"),
        ),
    ];
    let mut ids = Vec::new();
    for (kind, sequence, prefix, ics_method, status) in cases {
        let out = compose_reminder(&ctx, &r, &it, kind, sequence, REASON, 0).expect("compose");
        assert_eq!(
            out.envelope
                .to()
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>(),
            ["zoe@example.org"]
        );
        ids.push(out.message_id.clone());
        let subject = format!("{prefix}: {TITLE} op {when}");
        let ics = check_mail(&out.bytes, &subject, ics_method, &base_url);
        let mut got = ics_reader::read_with_python(pb.dir.path(), &format!("{prefix}.ics"), &ics);
        // DTSTAMP is the time the mail was made: present, not fixed.
        assert!(got["DTSTAMP"].is_string(), "{got}");
        got.as_object_mut().expect("object").remove("DTSTAMP");
        assert_eq!(
            got,
            serde_json::json!({
                "PRODID": "-//postbode//NONSGML postbode//NL",
                "VERSION": "2.0",
                "DTEND": "2026-10-25T10:30:00+00:00",
                "URL": "https://kus.example.nl/agenda/naaicafe-oktober",
                "METHOD": ics_method,
                "UID": "naaicafe-oktober@kus.example.nl",
                "SEQUENCE": sequence,
                "STATUS": status,
                "DTSTART": "2026-10-25T08:00:00+00:00",
                "SUMMARY": TITLE,
                "LOCATION": LOCATION,
                "DESCRIPTION": null,
                "ORGANIZER": "mailto:nieuws@kus.example.nl",
                "ORGANIZER_CN": "kUS Platformnieuws",
            }),
            "{prefix}"
        );
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "a fresh Message-ID per mail");
}
