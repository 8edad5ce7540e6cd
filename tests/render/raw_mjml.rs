//! Raw `.mjml` issues: front matter plus a whole `<mjml>` document, used as
//! is; a broken document is reported at the line an editor has to fix.

use crate::support;

const FRONT_MATTER: &str = "---\nsubject: Losse MJML-editie\n---\n";

const GOOD: &str = r#"<mjml lang="nl">
  <mj-body width="600px">
    <mj-section>
      <mj-column>
        <mj-text font-size="16px">Beste {{ subscriber.name }}, dit nummer is met de hand opgemaakt.</mj-text>
        <mj-button href="{{ archive_url }}">Lees online</mj-button>
        <mj-text>
          <a href="{{ preferences_url }}">Voorkeuren</a> · <a href="{{ unsubscribe_url }}">Afmelden</a>
        </mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
"#;

#[test]
fn raw_mjml_issue_renders_with_merge_tags_filled() {
    let config = support::config();
    let (_dir, path) = support::issue_file(
        "2026-12-losse-editie.mjml",
        &format!("{FRONT_MATTER}{GOOD}"),
    );
    let r = support::parse(&config, &path).expect("the issue parses");
    let variant = r.variant(&r.issue.full_key()).expect("compiles");
    let (html, text) = variant.personalise(&support::anouk());

    let seen = support::visible(&html);
    assert!(
        seen.contains("Beste Anouk d'Hondt, dit nummer is met de hand opgemaakt."),
        "{seen}"
    );
    let links = support::links(&html);
    for (url, label) in [
        (
            "https://nieuws.example/archive/platformnieuws",
            "Lees online",
        ),
        (
            "https://nieuws.example/preferences/TOKEN-ANOUK",
            "Voorkeuren",
        ),
        ("https://nieuws.example/unsubscribe/TOKEN-ANOUK", "Afmelden"),
    ] {
        assert!(
            links.contains(&(url.to_string(), label.to_string())),
            "{label} → {url} in {links:?}"
        );
    }
    assert!(!html.contains("<mj-"), "MJML tags left in the HTML");
    assert!(
        text.contains("Beste Anouk d'Hondt, dit nummer is met de hand opgemaakt."),
        "{text}"
    );
    assert!(
        text.contains("Afmelden: https://nieuws.example/unsubscribe/TOKEN-ANOUK"),
        "{text}"
    );
    for body in [&html, &text] {
        assert!(!body.contains("{{"), "unfilled merge tag");
    }
}

/// Parses `doc` as a raw issue and checks the error is reported at the line
/// of `culprit` in it, as `file:line:col: message`.
fn reported_at(doc: &str, culprit: &str) {
    let config = support::config();
    let text = format!("{FRONT_MATTER}{doc}");
    let (_dir, path) = support::issue_file("2026-12-kapot.mjml", &text);
    let Err(diags) = support::parse(&config, &path) else {
        panic!("a broken document was accepted:\n{doc}");
    };
    let at = text.find(culprit).expect("culprit is in the fixture");
    let line = text[..at].matches('\n').count() + 1;
    let shown: Vec<String> = diags.iter().map(ToString::to_string).collect();
    let wanted = format!("{}:{line}:", path.display());
    assert!(
        shown
            .iter()
            .any(|d| d.starts_with(&wanted) && d.len() > wanted.len() + 20),
        "expected an error at line {line} ({culprit:?}), got {shown:#?}"
    );
}

#[test]
fn unclosed_section_is_reported_where_it_opens() {
    reported_at(
        "<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Hoi</mj-text>
      </mj-column>
    <mj-section>
      <mj-column>
        <mj-text>Tot ziens</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
",
        "<mj-section>\n      <mj-column>\n        <mj-text>Hoi",
    );
}

#[test]
fn unclosed_text_is_reported_where_it_opens() {
    reported_at(
        "<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Hoi
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
",
        "<mj-text>",
    );
}

#[test]
fn tag_without_closing_bracket_is_reported_on_its_line() {
    reported_at(
        "<mjml>
  <mj-body>
    <mj-section>
      <mj-column
        <mj-text>Hoi</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
",
        "<mj-column\n",
    );
}

#[test]
fn stray_closing_tag_is_reported_on_its_line() {
    reported_at(
        "<mjml>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Hoi</mj-text>
      </mj-column>
    </mj-section>
    </mj-section>
  </mj-body>
</mjml>
",
        "</mj-section>\n  </mj-body>",
    );
}
