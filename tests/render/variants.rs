//! Subscribers who get the same sections share one compiled variant: an issue
//! to thousands of readers is compiled a handful of times, not once each.

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
