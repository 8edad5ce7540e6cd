//! What postbode checks beyond mjml: closing tags that do not match, images
//! without alt, and warnings for a missing preview text and for HTML that
//! Gmail clips. mjml accepts each of these documents.

use crate::base::{self, OFFSET};
use crate::{check, project};

fn replaced(from: &str, to: &str) -> String {
    assert!(base::MJML.contains(from), "{from}");
    base::MJML.replacen(from, to, 1)
}

fn line_of(doc: &str, needle: &str) -> usize {
    doc[..doc.find(needle).expect(needle)].matches('\n').count() + 1
}

#[test]
fn a_closing_tag_that_does_not_match_is_refused_where_it_stands() {
    let doc = replaced("Platformnieuws</mj-text>", "Platformnieuws</mj-txt>");
    let pb = project("");
    let (code, err) = check(&pb, "2026-12-sluit.mjml", &base::issue(&doc));
    assert_eq!(code, Some(1), "{err:#?}");
    let line = line_of(&doc, "</mj-txt>") + OFFSET;
    let want = format!("newsletters/2026-12-sluit.mjml:{line}:");
    assert!(
        err.iter().any(|e| e.starts_with(&want)
            && e.contains("</mj-txt> sluit <mj-text> niet af: schrijf </mj-text>")),
        "{err:#?}"
    );
}

#[test]
fn an_image_without_alt_is_refused_with_advice_for_decorative_ones() {
    let doc = replaced(" alt=\"Kennisplatform\"", "");
    let pb = project("");
    let (code, err) = check(&pb, "2026-12-alt.mjml", &base::issue(&doc));
    assert_eq!(code, Some(1), "{err:#?}");
    let line = line_of(&doc, "<mj-image") + OFFSET;
    let hit = err
        .iter()
        .find(|e| e.starts_with(&format!("newsletters/2026-12-alt.mjml:{line}:")))
        .unwrap_or_else(|| panic!("{err:#?}"));
    assert!(hit.contains("alt=\"\""), "{hit}");
    // A decorative image with alt="" passes.
    let doc = replaced(" alt=\"Kennisplatform\"", " alt=\"\"");
    assert_eq!(
        check(&pb, "2026-12-alt.mjml", &base::issue(&doc)).0,
        Some(0)
    );
}

#[test]
fn a_missing_preview_text_is_a_warning() {
    let doc = base::MJML
        .lines()
        .filter(|l| !l.contains("mj-preview"))
        .collect::<Vec<_>>()
        .join("\n");
    let pb = project("");
    let (code, err) = check(&pb, "2026-12-preview.mjml", &base::issue(&doc));
    assert_eq!(code, Some(0), "{err:#?}");
    let line = line_of(&doc, "<mj-head") + OFFSET;
    let want = format!(
        "newsletters/2026-12-preview.mjml:{line}:3: waarschuwing: er is geen voorvertoning"
    );
    assert!(err.iter().any(|e| e.starts_with(&want)), "{err:#?}");

    // A Markdown issue without preheader: the warning points at the front matter.
    let md = "---\nsubject: Zonder voorvertoning\n---\nHallo {{ subscriber.name }},\n\n## Nieuws\n\nTekst.\n";
    let (code, err) = check(&pb, "2026-12-kaal.md", md);
    assert_eq!(code, Some(0), "{err:#?}");
    assert!(
        err.iter()
            .any(|e| e.starts_with("newsletters/2026-12-kaal.md:2:")
                && e.contains("waarschuwing: ")
                && e.contains("preheader:")),
        "{err:#?}"
    );
    let with = md.replace(
        "subject: Zonder voorvertoning\n",
        "subject: Met\npreheader: \"Nieuws uit de wijk\"\n",
    );
    let (code, err) = check(&pb, "2026-12-kaal.md", &with);
    assert_eq!(code, Some(0));
    assert!(!err.iter().any(|e| e.contains("voorvertoning")), "{err:#?}");
}

#[test]
fn html_over_gmails_clipping_limit_is_a_warning_with_its_size() {
    let section = "    <mj-section><mj-column><mj-text>Een alinea tekst over sociale innovatie in de praktijk.</mj-text></mj-column></mj-section>\n";
    let many = section.repeat(120);
    let doc = replaced("  </mj-body>", &format!("{many}  </mj-body>"));
    let pb = project("");
    let (code, err) = check(&pb, "2026-12-groot.mjml", &base::issue(&doc));
    assert_eq!(code, Some(0), "{err:#?}");
    let warning = err
        .iter()
        .find(|e| e.contains("waarschuwing: de HTML van deze mail is"))
        .unwrap_or_else(|| panic!("{err:#?}"));
    let kb: usize = warning
        .split("is ")
        .nth(1)
        .and_then(|r| r.split(" KB").next())
        .and_then(|n| n.parse().ok())
        .expect("a size in KB");
    assert!(kb > 102, "{warning}");
    // The base issue is far below it.
    let (_, err) = check(&pb, "2026-12-groot.mjml", &base::issue(base::MJML));
    assert!(!err.iter().any(|e| e.contains("KB")), "{err:#?}");
}

#[test]
fn messages_are_english_when_the_platform_speaks_english() {
    let doc = replaced(
        "<mj-text font-size=\"30px\"",
        "<mj-text colr=\"red\" font-size=\"30px\"",
    );
    let pb = project("\n");
    let config = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let config = config.replacen("[platform]\n", "[platform]\nlanguage = \"en\"\n", 1);
    std::fs::write(pb.path("postbode.toml"), config).expect("config");
    let (code, err) = check(&pb, "2026-12-en.mjml", &base::issue(&doc));
    assert_eq!(code, Some(1));
    assert!(
        err.iter()
            .any(|e| e
                .contains("The attribute colr does not belong on mj-text: did you mean color?")),
        "{err:#?}"
    );
}
