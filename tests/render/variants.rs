//! Subscribers who get the same sections share one compiled variant: an issue
//! to thousands of readers is compiled a handful of times, not once each.

use postbode::domain::language::Language;
use std::collections::BTreeSet;
use std::sync::Arc;

use postbode::render::MergeValues;

use crate::support;

/// (workshops, interests) of the July 2017 readers. Several combinations lead
/// to the same sections: only the sections decide the variant.
const READERS: [(&[&str], &[&str]); 8] = [
    (&[], &[]),
    (&[], &["geweld-in-gezinnen"]),  // no July section for this theme
    (&["transformatie-jeugd"], &[]), // nor for this workshop
    (&["arbeid-en-inclusie"], &[]),
    (&["arbeid-en-inclusie"], &["preventie"]),
    (&["ontwikkeltafels"], &[]),
    (&[], &["welzijn"]),
    (&["arbeid-en-inclusie", "ontwikkeltafels"], &["welzijn"]),
];

/// The distinct section sets above: everyone's, + Arbeid en Inclusie,
/// + Ontwikkeltafels, + Welzijn, and all of them.
const DISTINCT_SECTION_SETS: usize = 5;

#[test]
fn fifty_readers_share_one_compiled_variant_per_distinct_section_set() {
    let config = support::config();
    let r = support::sample(&config, "2017-07-platformnieuws");
    let mut seen_sections = BTreeSet::new();
    for i in 0..50 {
        let (workshops, interests) = READERS[i % READERS.len()];
        let key = r.issue.variant_key(&support::follows(workshops, interests));
        let variant = r.variant(&key).expect("variant compiles");
        let token = format!("TOKEN-{i}");
        let (html, text) =
            variant.personalise(&support::merge_values(&format!("Lezer {i}"), &token));
        assert!(
            html.contains(&format!("/unsubscribe/{token}\"")),
            "reader {i}"
        );
        assert!(text.contains(&format!("Beste Lezer {i},")), "reader {i}");
        seen_sections.insert(support::text_headings(&text));
    }
    assert_eq!(
        seen_sections.len(),
        DISTINCT_SECTION_SETS,
        "distinct section sets the readers got"
    );
    assert_eq!(
        r.compiled_variants(),
        DISTINCT_SECTION_SETS,
        "one compile per distinct section set, never one per reader"
    );
}

#[test]
fn readers_with_the_same_sections_get_the_same_mail_but_for_their_own_details() {
    let config = support::config();
    let r = support::sample(&config, "2017-07-platformnieuws");
    let anouk_key = r.issue.variant_key(&support::follows(&[], &[]));
    let sukru_key = r
        .issue
        .variant_key(&support::follows(&[], &["geweld-in-gezinnen"]));
    let anouk_variant = r.variant(&anouk_key).expect("compiles");
    let sukru_variant = r.variant(&sukru_key).expect("compiles");
    assert!(
        Arc::ptr_eq(&anouk_variant, &sukru_variant),
        "same sections, same compiled variant"
    );

    let anouk = support::anouk();
    let sukru = support::merge_values("Şükrü <b>Yılmaz</b> & \"co\"", "TOKEN-SUKRU");
    let (anouk_html, anouk_text) = anouk_variant.personalise(&anouk);
    let (sukru_html, sukru_text) = sukru_variant.personalise(&sukru);

    // Markup in a name is shown as text, never interpreted.
    assert!(!sukru_html.contains("<b>Yılmaz</b>"));
    assert!(sukru_html.contains("Beste Şükrü &lt;b&gt;Yılmaz&lt;/b&gt; &amp; &quot;co&quot;,"));
    assert!(support::visible(&sukru_html).contains("Beste Şükrü <b>Yılmaz</b> & \"co\","));
    assert!(sukru_text.contains("Beste Şükrü <b>Yılmaz</b> & \"co\","));

    // Swap Şükrü's details for Anouk's: nothing else may differ.
    assert_eq!(
        swap(&sukru_html, &escape(&sukru), &escape(&anouk)),
        anouk_html
    );
    assert_eq!(swap(&sukru_text, &sukru, &anouk), anouk_text);
}

fn swap(body: &str, from: &MergeValues, to: &MergeValues) -> String {
    body.replace(&from.name, &to.name)
        .replace(&from.preferences_url, &to.preferences_url)
        .replace(&from.unsubscribe_url, &to.unsubscribe_url)
        .replace(&from.archive_url, &to.archive_url)
}

/// The values as they appear in HTML.
fn escape(v: &MergeValues) -> MergeValues {
    let e = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    MergeValues {
        name: e(&v.name),
        preferences_url: e(&v.preferences_url),
        unsubscribe_url: e(&v.unsubscribe_url),
        archive_url: e(&v.archive_url),
    }
}

/// The words around the editors' text that a Dutch reader sees, none of
/// which an English reader may see.
const DUTCH_CHROME: [&str; 5] = [
    "Voorkeuren aanpassen",
    "Afmelden",
    "Bekijk in je browser",
    "Je ontvangt deze e-mail",
    "Online lezen",
];
const ENGLISH_CHROME: [&str; 5] = [
    "Change your preferences",
    "Unsubscribe",
    "View in your browser",
    "You receive this e-mail",
    "Read online",
];

#[test]
fn english_readers_get_their_own_variant_with_english_words_around_the_same_text() {
    let config = support::config();
    let r = support::sample(&config, "2017-07-platformnieuws");
    let key = r
        .issue
        .variant_key(&support::follows(&["arbeid-en-inclusie"], &[]));
    let nl = r.variant_in(&key, Language::Nl).expect("compiles");
    let en = r.variant_in(&key, Language::En).expect("compiles");
    assert!(!Arc::ptr_eq(&nl, &en), "one variant per language");
    // A second English reader of the same sections shares the first one's.
    let en_again = r.variant_in(&key, Language::En).expect("compiles");
    assert!(Arc::ptr_eq(&en, &en_again));
    assert_eq!(r.compiled_variants(), 2, "compiled once per language");

    let (nl_html, nl_text) = nl.personalise(&support::anouk());
    let (en_html, en_text) = en.personalise(&support::anouk());
    let (nl_seen, en_seen) = (support::visible(&nl_html), support::visible(&en_html));
    for (dutch, english) in DUTCH_CHROME.iter().zip(ENGLISH_CHROME) {
        assert!(
            nl_seen.contains(dutch) || nl_text.contains(dutch),
            "{dutch}"
        );
        assert!(
            !en_seen.contains(dutch),
            "Dutch {dutch:?} in the English mail"
        );
        assert!(
            !en_text.contains(dutch),
            "Dutch {dutch:?} in the English text"
        );
        assert!(
            en_seen.contains(english) || en_text.contains(english),
            "{english}"
        );
        assert!(
            !nl_seen.contains(english),
            "English {english:?} in the Dutch mail"
        );
    }
    assert!(
        en_html.contains("lang=\"en\""),
        "the English mail says its language"
    );
    // The agenda's dates follow the reader, the editors' text does not.
    let (nl_date, en_date) = (
        "donderdag 21 september 2017, 13:30–17:00",
        "Thursday 21 September 2017, 13:30–17:00",
    );
    assert!(nl_seen.contains(nl_date) && !nl_seen.contains(en_date));
    assert!(en_seen.contains(en_date) && !en_seen.contains(nl_date));
    assert_eq!(
        support::text_headings(&nl_text),
        support::text_headings(&en_text),
        "the same sections, under the editors' own headings"
    );
    for written in [
        "Beste Anouk d'Hondt,",
        "In dit Platformnieuws van juli 2017",
    ] {
        assert!(
            nl_text.contains(written) && en_text.contains(written),
            "{written}"
        );
    }
}
