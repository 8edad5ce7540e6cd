//! Markdown issues: the MJML their layout expands to is checked too. A
//! problem in the layout points at the layout file; one the editor typed
//! (raw MJML or HTML in the Markdown) at the editor's line.

use std::path::Path;

use crate::common::ROOT;
use crate::{check, project};

const ISSUE: &str = "---\nsubject: Platformnieuws december\npreheader: \"Sociale innovatie en de agenda\"\n---\nBeste {{ subscriber.name }},\n\nWelkom.\n\n## Sociale innovatie\n\nDe verwachtingen zijn hooggespannen.\n\n## Wijkteams\n\nRuimte voor ontwikkeling.\n";

#[test]
fn the_sample_issues_and_their_layouts_pass() {
    let pb = project("");
    for entry in std::fs::read_dir(Path::new(ROOT).join("newsletters")).expect("newsletters") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let text = std::fs::read_to_string(&path).expect("sample");
        let (code, err) = check(&pb, &name, &text);
        assert_eq!(code, Some(0), "{name}: {err:#?}");
        assert!(!err.iter().any(|e| e.contains("mjml:")), "{name}: {err:#?}");
    }
    // Every layout that can hold an issue.
    for entry in std::fs::read_dir(Path::new(ROOT).join("mjml")).expect("mjml") {
        let path = entry.expect("entry").path();
        let layout = path
            .file_stem()
            .and_then(|n| n.to_str())
            .expect("name")
            .to_string();
        let text = ISSUE.replace("---\nBeste", &format!("template: {layout}\n---\nBeste"));
        let (code, err) = check(&pb, "2026-12-opmaak.md", &text);
        assert_eq!(code, Some(0), "layout {layout}: {err:#?}");
    }
}

#[test]
fn a_problem_in_the_layout_points_at_the_layout_file_and_line() {
    let pb = project("");
    let layout = pb.path("mjml/platformnieuws.mjml");
    // postbode names the layout as configured (`./mjml/…`).
    let source = std::fs::read_to_string(&layout).expect("layout");
    let needle = "<mj-divider padding=\"0px 24px 24px 24px\" />";
    let line = source[..source.find(needle).expect("a divider in the layout")]
        .matches('\n')
        .count()
        + 1;
    let broken = source.replacen(
        needle,
        "<mj-divider colr=\"#e2e2e2\" padding=\"0px 24px 24px 24px\" />",
        1,
    );
    std::fs::write(&layout, broken).expect("write layout");
    let (code, err) = check(&pb, "2026-12-opmaak.md", ISSUE);
    assert_eq!(code, Some(1), "{err:#?}");
    let col = source
        .lines()
        .nth(line - 1)
        .expect("line")
        .find("<mj-divider")
        .expect("tag")
        + 13;
    let want = format!(
        "mjml/platformnieuws.mjml:{line}:{col}: Het attribuut colr hoort niet bij mj-divider"
    );
    assert!(
        err.iter().any(|e| e.contains(&want)),
        "want {want}: {err:#?}"
    );
    // Reported once, though the layout repeats it for each section.
    assert_eq!(
        err.iter().filter(|e| e.contains("colr")).count(),
        1,
        "{err:#?}"
    );
}

#[test]
fn mjml_typed_in_the_markdown_points_at_the_editors_line() {
    let pb = project("");
    let text = ISSUE.replace(
        "Ruimte voor ontwikkeling.\n",
        "Ruimte voor ontwikkeling.\n\n<mj-image src=\"https://example.org/a.png\" alt=\"\" />\n\nEn meer.\n",
    );
    let line = text[..text.find("<mj-image").expect("tag")]
        .matches('\n')
        .count()
        + 1;
    let (code, err) = check(&pb, "2026-12-getypt.md", &text);
    assert_eq!(code, Some(1), "{err:#?}");
    let want = format!(
        "newsletters/2026-12-getypt.md:{line}:1: <mj-image> werkt niet binnen de tekst van <mj-text>"
    );
    assert!(
        err.iter().any(|e| e.starts_with(&want)),
        "want {want}: {err:#?}"
    );

    // A typed closing tag breaks out of the text: reported at the editor's
    // line, and what it unbalances in the layout after it is not blamed on
    // the layout.
    let text = ISSUE.replace(
        "De verwachtingen zijn hooggespannen.\n",
        "De verwachtingen </mj-column> zijn hooggespannen.\n",
    );
    let line = text[..text.find("</mj-column>").expect("tag")]
        .matches('\n')
        .count()
        + 1;
    let (code, err) = check(&pb, "2026-12-getypt.md", &text);
    assert_eq!(code, Some(1), "{err:#?}");
    let want = format!(
        "newsletters/2026-12-getypt.md:{line}:18: </mj-column> komt terwijl <mj-text> nog open is"
    );
    assert!(
        err.iter().any(|e| e.starts_with(&want)),
        "want {want}: {err:#?}"
    );
    assert!(
        !err.iter().any(|e| e.contains("platformnieuws.mjml")),
        "{err:#?}"
    );
}
