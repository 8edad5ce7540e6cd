//! The weekly agenda digest composed without a running daemon and read back
//! with a real MIME parser (mail-parser): what a subscriber sees in the
//! subject, the headers, the text part and the HTML part.

#[path = "../common/mod.rs"]
mod common;

use chrono::{DateTime, Utc};
use common::Postbode;
use common::typed::{email, name, segments, slug};
use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders};
use postbode::domain::issue::AgendaItem;
use postbode::domain::subscriber::{Language, Recipient};
use postbode::domain::token::Purpose;
use postbode::reminders::AgendaMails;
use postbode::reminders::digest::compose_digest;

const TITLE: &str = "Naaicafé & reünie <script>alert(1)</script>";
const TITLE_HTML: &str = "Naaicafé &amp; reünie &lt;script&gt;alert(1)&lt;/script&gt;";
const LOCATION: &str = "Buurthuis ’t Hoekje & co, Oudegracht 12";
const LOCATION_HTML: &str = "Buurthuis ’t Hoekje &amp; co, Oudegracht 12";
const URL: &str = "https://kus.example.nl/agenda/naaicafe-oktober?a=1&b=2";
const REASON: &str = "Je krijgt dit overzicht omdat je in je voorkeuren hebt gekozen voor het wekelijkse agenda-overzicht.";

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

fn item(id: &str, title: &str, start: &str, end: Option<&str>) -> AgendaItem {
    AgendaItem {
        id: slug(id),
        title: title.into(),
        start: utc(start),
        end: end.map(utc),
        location: String::new(),
        url: String::new(),
        description: String::new(),
        workshop: None,
        interests: Vec::new(),
        reminders: Vec::new(),
        cancelled: false,
        id_guessed: false,
        all_day: None,
    }
}

/// Three items as the caller selects them: a workshop meeting on the day the
/// clocks go back, a themed one without end or link, and a cancelled one.
fn items() -> Vec<AgendaItem> {
    let mut naaicafe = item(
        "naaicafe",
        TITLE,
        "2026-10-25T08:00:00Z",
        Some("2026-10-25T10:30:00Z"),
    );
    naaicafe.location = LOCATION.into();
    naaicafe.url = URL.into();
    naaicafe.workshop = Some(slug("arbeid-en-inclusie"));
    let mut welzijn = item("welzijn", "Welzijn op recept", "2026-10-27T14:00:00Z", None);
    welzijn.location = "Stadhuis Utrecht".into();
    welzijn.interests = vec![slug("welzijn"), slug("preventie")];
    let mut tafel = item(
        "tafel",
        "Ontwikkeltafel jeugd",
        "2026-11-02T18:30:00Z",
        Some("2026-11-02T20:30:00Z"),
    );
    tafel.location = "Online".into();
    tafel.workshop = Some(slug("ontwikkeltafels"));
    tafel.cancelled = true;
    vec![naaicafe, welzijn, tafel]
}

/// (title, Dutch date, location) of each item, as the text part shows them.
const FACTS: [(&str, &str, &str); 3] = [
    (TITLE, "zondag 25 oktober 2026, 09:00–11:30", LOCATION),
    (
        "Welzijn op recept",
        "dinsdag 27 oktober 2026, 15:00",
        "Stadhuis Utrecht",
    ),
    (
        "Ontwikkeltafel jeugd",
        "maandag 2 november 2026, 19:30–21:30",
        "Online",
    ),
];

fn recipient() -> Recipient {
    Recipient {
        id: 7,
        email: email("zoe@example.org"),
        name: name("Zoë de Vries"),
        language: Language::Nl,
        segments: segments(&["arbeid-en-inclusie"], &["welzijn"]),
        link_generation: 0,
    }
}

async fn ctx(pb: &Postbode) -> AgendaMails {
    pb.agenda_mails()
}

fn content_type(part: &MessagePart<'_>) -> String {
    let ct = part.content_type().expect("Content-Type");
    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase()
}

fn header(msg: &Message<'_>, name: &str) -> String {
    msg.header_raw(name)
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// The text and HTML parts of a `multipart/alternative` mail, in that order.
fn parts(msg: &Message<'_>) -> (String, String) {
    let root = msg.root_part();
    assert_eq!(content_type(root), "multipart/alternative");
    let alts: Vec<&MessagePart<'_>> = root
        .sub_parts()
        .expect("alternative has parts")
        .iter()
        .map(|&id| msg.part(id).expect("part"))
        .collect();
    let types: Vec<String> = alts.iter().map(|p| content_type(p)).collect();
    assert_eq!(types, ["text/plain", "text/html"], "text first, HTML last");
    (
        alts[0].text_contents().expect("text").to_string(),
        alts[1].text_contents().expect("html").to_string(),
    )
}

/// Asserts that `needles` occur in `hay` in this order.
fn in_order(hay: &str, needles: &[&str]) {
    let mut from = 0;
    for n in needles {
        let at = hay[from..]
            .find(n)
            .unwrap_or_else(|| panic!("{n:?} missing or out of order in:\n{hay}"));
        from += at + n.len();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_digest_lists_each_item_in_order_with_both_ways_out() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    let ctx = ctx(&pb).await;
    let base_url = pb.base_url();
    let out = compose_digest(&ctx, &recipient(), &items(), 0).expect("compose");
    assert_eq!(
        out.envelope
            .to()
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>(),
        ["zoe@example.org"]
    );

    let msg = MessageParser::default()
        .parse(&out.bytes)
        .expect("a MIME message");
    assert_eq!(
        msg.subject(),
        Some("Agenda: 3 bijeenkomsten in de komende twee weken")
    );
    assert!(header(&msg, "To").contains("zoe@example.org"));
    assert!(msg.header_raw("Date").is_some());
    assert!(
        msg.message_id()
            .is_some_and(|id| id.ends_with("@kus.example.nl")),
        "{:?}",
        msg.message_id()
    );
    // Bulk mail the subscriber asked for: list headers, no Auto-Submitted.
    assert!(msg.header_raw("Auto-Submitted").is_none());
    assert_eq!(
        header(&msg, "List-Id"),
        "kennisplatform Utrecht Sociaal <platformnieuws.kus.example.nl>"
    );
    assert_eq!(
        header(&msg, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let unsubscribe = header(&msg, "List-Unsubscribe")
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .expect("List-Unsubscribe in angle brackets")
        .to_string();
    let token = unsubscribe
        .strip_prefix(&format!("{base_url}/unsubscribe/"))
        .unwrap_or_else(|| panic!("{unsubscribe}"));
    let claims = ctx
        .links
        .verify(token, Purpose::Unsubscribe)
        .expect("a valid unsubscribe token");
    assert_eq!((claims.subscriber_id, claims.context), (7, 0));

    let (text, html) = parts(&msg);

    // Text: every fact in the given order, links written out.
    let mut wanted = vec!["Beste Zoë de Vries,"];
    for (title, when, location) in FACTS {
        wanted.extend([title, when, location]);
    }
    in_order(&text, &wanted);
    for want in [
        "Werkplaats: Werkplaats Arbeid en Inclusie",
        &format!("Meer informatie: {URL}"),
        "Thema's: Welzijn in de wijk, Preventie",
        "Gaat niet door: Ontwikkeltafel jeugd",
        "Werkplaats: Ontwikkeltafels",
        REASON,
    ] {
        assert!(text.contains(want), "text lacks {want:?}:\n{text}");
    }
    assert!(
        text.lines().any(|l| l == unsubscribe),
        "the unsubscribe link on a line of its own:\n{text}"
    );
    let preferences = text
        .lines()
        .find(|l| l.starts_with(&format!("{base_url}/preferences/")))
        .unwrap_or_else(|| panic!("no preferences link:\n{text}"))
        .to_string();
    let token = preferences.rsplit('/').next().expect("token");
    assert!(ctx.links.verify(token, Purpose::Preferences).is_some());

    // HTML: the same facts in the same order, every value escaped.
    let mut wanted = vec!["Beste Zoë de Vries,", TITLE_HTML];
    wanted.extend(["zondag 25 oktober 2026, 09:00–11:30", LOCATION_HTML]);
    for (title, when, location) in &FACTS[1..] {
        wanted.extend([*title, *when, *location]);
    }
    in_order(&html, &wanted);
    for want in [
        "href=\"https://kus.example.nl/agenda/naaicafe-oktober?a=1&amp;b=2\"",
        "Werkplaats Arbeid en Inclusie",
        "Welzijn in de wijk, Preventie",
        "Gaat niet door:",
        REASON,
        &format!("href=\"{preferences}\""),
        &format!("href=\"{unsubscribe}\""),
    ] {
        assert!(html.contains(want), "HTML lacks {want:?}:\n{html}");
    }
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("&amp;amp;"), "escaped once, not twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_digest_keeps_the_callers_order_and_counts_one_meeting_in_the_singular() {
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    let ctx = ctx(&pb).await;
    let mut reversed = items();
    reversed.reverse();
    let out = compose_digest(&ctx, &recipient(), &reversed, 0).expect("compose");
    let msg = MessageParser::default().parse(&out.bytes).expect("mail");
    let (text, html) = parts(&msg);
    let titles = ["Ontwikkeltafel jeugd", "Welzijn op recept"];
    in_order(&text, &[titles[0], titles[1], TITLE]);
    in_order(&html, &[titles[0], titles[1], TITLE_HTML]);

    // One meeting, and an unsubscribe counted against an issue when asked to.
    let one = &items()[1..2];
    let out = compose_digest(&ctx, &recipient(), one, 12).expect("compose");
    let msg = MessageParser::default().parse(&out.bytes).expect("mail");
    assert_eq!(
        msg.subject(),
        Some("Agenda: 1 bijeenkomst in de komende twee weken")
    );
    let unsubscribe = header(&msg, "List-Unsubscribe");
    let token = unsubscribe
        .trim_end_matches('>')
        .rsplit('/')
        .next()
        .expect("token");
    let claims = ctx
        .links
        .verify(token, Purpose::Unsubscribe)
        .expect("token");
    assert_eq!(claims.context, 12);
    let (text, _) = parts(&msg);
    assert!(text.contains("Thema's: Welzijn in de wijk, Preventie"));
    assert!(!text.contains(TITLE));

    // Nothing to show: no mail.
    assert!(compose_digest(&ctx, &recipient(), &[], 0).is_err());
}
