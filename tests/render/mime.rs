//! Issues' bodies are encoded once per variant and spliced per recipient
//! (`render::encoded`): what a mail program decodes must be exactly the
//! personalised text and HTML, whatever the editors wrote and whatever the
//! subscriber's name is, and the message must stay 7-bit with short lines.

use mail_parser::{MessageParser, MimeHeaders};
use postbode::domain::email::SubscriberEmail;
use postbode::domain::name::SubscriberName;
use postbode::mail::{Composer, Kind, Outgoing};
use postbode::render::{MergeTemplate, MergeValues, Variant};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;

use crate::support::{ISSUES, anouk, config, merge_values, sample};

/// The line ends lettre gives the other mail: a CR before every bare LF.
fn crlf(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 64);
    let mut prev = '\0';
    for c in s.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

fn composer() -> Composer {
    Composer::new(&config()).expect("composer")
}

fn kind(values: &MergeValues) -> Kind {
    Kind::Bulk {
        unsubscribe_url: values.unsubscribe_url.clone(),
        auto_submitted: false,
    }
}

/// The issue message for one recipient, as delivery builds it.
fn spliced(composer: &Composer, variant: &Variant, values: &MergeValues) -> Outgoing {
    let to = SubscriberEmail::parse("lezer@example.org").expect("address");
    let name = SubscriberName::parse(&values.name).unwrap_or_default();
    let encoded = variant.encoded();
    composer
        .compose_encoded(
            &to,
            &name,
            &variant.subject(values),
            encoded.boundary(),
            encoded.body(values),
            &kind(values),
        )
        .expect("composes")
}

/// What a mail program shows of `bytes`, and what it should show.
fn check(bytes: &[u8], variant: &Variant, values: &MergeValues) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(bytes);
    prop_assert!(bytes.is_ascii(), "not 7-bit: {shown}");
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    prop_assert_eq!(lines.last().copied(), Some(&b""[..]), "ends with CRLF");
    // Headers may not pass 998 (RFC 5322; an unsubscribe URL cannot be
    // folded); the body's lines, which postbode encodes, keep to 78.
    let mut in_body = false;
    for line in &lines[..lines.len() - 1] {
        prop_assert!(line.ends_with(b"\r"), "a bare LF in {}", shown);
        let line = &line[..line.len() - 1];
        prop_assert!(!line.contains(&b'\r'), "a bare CR in {}", shown);
        let limit = if in_body { 78 } else { 998 };
        prop_assert!(line.len() <= limit, "line of {}: {:?}", line.len(), line);
        in_body |= line.is_empty();
    }
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| TestCaseError::fail("does not parse"))?;
    let (html, text) = variant.personalise(values);
    let parts: Vec<_> = message
        .parts
        .iter()
        .filter_map(|p| p.content_type())
        .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
        .collect();
    prop_assert_eq!(
        parts,
        vec!["multipart/alternative", "text/plain", "text/html"]
    );
    prop_assert_eq!(message.body_text(0).unwrap_or_default(), crlf(&text));
    prop_assert_eq!(message.body_html(0).unwrap_or_default(), crlf(&html));
    Ok(())
}

/// Pieces of text that break encoders: line ends of every kind, white space
/// before them, `=` and what looks like an encoded byte or a boundary, lines
/// a mailbox or SMTP treat specially, long lines without spaces, non-ASCII
/// letters, emoji and direction marks, markup.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(vec![
            "\n", "\r\n", "\r", "\n\r", " \n", "\t\n", " \r\n", "  ", "\t", "=", "=20", "=\r\n",
            "=3D", "=\n", "\n.", "\n.\n", ".", "\nFrom ", "From ", "--", "--=_", "=_", "é",
            "😀", "\u{200F}", "\u{202E}", "\u{2028}", "<a href=\"x\">", "&amp;", "'", "\"", "Ä",
            "日本", "\u{0}",
        ])
        .prop_map(str::to_string),
        3 => "[a-zA-Z0-9 .,]{0,30}",
        1 => "[x]{70,200}",
        1 => "[é]{30,90}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    vec(atom(), 0..8).prop_map(|a| a.concat())
}

const TAGS: [&str; 4] = [
    "{{ subscriber.name }}",
    "{{preferences_url}}",
    "{{ unsubscribe_url }}",
    "{{ archive_url }}",
];

/// A template: text and merge tags in any order, tags at the very start or
/// end, next to each other, or none.
fn template() -> impl Strategy<Value = String> {
    vec((text(), prop::option::of(select(TAGS.to_vec()))), 0..6).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(t, tag)| t + tag.unwrap_or(""))
            .collect()
    })
}

fn values() -> impl Strategy<Value = MergeValues> {
    let name = prop_oneof![
        select(vec![
            "José Ñúñez",
            "Anouk d'Hondt",
            "\u{200F}مريم\u{200F}",
            "Zoë 😀",
            "a=b",
            "trailing \t",
            "From me",
            ".",
            "<script>&",
            "",
        ])
        .prop_map(str::to_string),
        text(),
    ];
    (name, text(), "[A-Za-z0-9]{1,40}", text()).prop_map(|(name, prefs, token, archive)| {
        MergeValues {
            name,
            preferences_url: prefs,
            // The one value in a header too (List-Unsubscribe): a URL of
            // postbode's own making, never an editor's or a subscriber's text.
            unsubscribe_url: format!("https://nieuws.example/u/{token}"),
            archive_url: archive,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_spliced_issue_decodes_to_the_personalised_text_and_html(
        html in template(),
        text in template(),
        values in values(),
    ) {
        let variant = Variant::new(
            MergeTemplate::new(&html),
            MergeTemplate::new(&text),
            MergeTemplate::new("Nieuws voor {{ subscriber.name }}"),
        );
        let out = spliced(&composer(), &variant, &values);
        check(&out.bytes, &variant, &values)?;
    }
}

#[test]
fn every_sample_issue_decodes_the_same_spliced_as_built_by_lettre() {
    let config = config();
    let composer = composer();
    for slug in ISSUES {
        let renderer = sample(&config, slug);
        let variant = renderer
            .variant(&renderer.issue.full_key())
            .expect("compiles");
        for values in [anouk(), merge_values("Zoë =?utf-8?q?x?= 😀 ", "T=3D")] {
            let new = spliced(&composer, &variant, &values);
            check(&new.bytes, &variant, &values).expect("decodes to the personalised issue");
            let (html, text) = variant.personalise(&values);
            let to = SubscriberEmail::parse("lezer@example.org").expect("address");
            let name = SubscriberName::parse(&values.name).expect("name");
            let subject = variant.subject(&values);
            let old = composer
                .compose(&to, &name, &subject, text, html, &kind(&values))
                .expect("composes");
            // The same headers in the same order: only the transfer encoding
            // of the parts may differ (lettre picks 7bit or base64 at times).
            let names = |bytes: &[u8]| -> Vec<String> {
                let message = MessageParser::default().parse(bytes).expect("parses");
                message
                    .headers()
                    .iter()
                    .map(|h| h.name().to_string())
                    .collect()
            };
            assert_eq!(names(&new.bytes), names(&old.bytes), "{slug}");
            let parsed = |bytes: &[u8]| {
                let message = MessageParser::default().parse(bytes).expect("parses");
                (
                    message.subject().map(str::to_string),
                    message.body_text(0).map(|s| s.into_owned()),
                    message.body_html(0).map(|s| s.into_owned()),
                )
            };
            assert_eq!(parsed(&new.bytes), parsed(&old.bytes), "{slug}");
        }
    }
}

#[test]
fn recipients_of_one_variant_share_its_boundary_and_get_their_own_values() {
    let config = config();
    let renderer = sample(&config, ISSUES[0]);
    let variant = renderer
        .variant(&renderer.issue.full_key())
        .expect("compiles");
    let composer = composer();
    let a = spliced(&composer, &variant, &merge_values("Anouk", "TOKEN-A"));
    let b = spliced(&composer, &variant, &merge_values("Bram", "TOKEN-B"));
    let text = |o: &Outgoing| {
        MessageParser::default()
            .parse(&o.bytes[..])
            .and_then(|m| m.body_text(0).map(|s| s.into_owned()))
            .expect("a text part")
    };
    assert!(text(&a).contains("TOKEN-A") && !text(&a).contains("TOKEN-B"));
    assert!(text(&b).contains("TOKEN-B") && !text(&b).contains("TOKEN-A"));
    let boundary = format!("--{}", variant.encoded().boundary());
    let count = |o: &Outgoing| String::from_utf8_lossy(&o.bytes).matches(&boundary).count();
    // Two delimiters and the closing one, nothing else.
    assert_eq!((count(&a), count(&b)), (3, 3));
}
