use super::*;

fn doc(column: &str) -> String {
    format!(
        "<mjml><mj-body><mj-section><mj-column>{column}</mj-column></mj-section></mj-body></mjml>"
    )
}

fn problems(text: &str) -> Vec<Problem> {
    walk(text).into_iter().map(|f| f.problem).collect()
}

#[test]
fn a_valid_document_has_no_problems() {
    let text = doc(
        "<mj-text color=\"#222\" padding=\"0 24px\">Hoi <b>x</b><br></mj-text><mj-image src=\"a.png\" alt=\"\" /><!-- c -->",
    );
    assert_eq!(problems(&text), []);
}

#[test]
fn attributes_values_parents_and_tags_as_mjml_checks_them() {
    let text = doc("<mj-text colr=\"red\" font-size=\"twelve\">a</mj-text>");
    let found = walk(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].at, text.find("colr").expect("attr"));
    let msg = describe(&found[0].problem, Language::Nl);
    assert!(
        msg.starts_with("Het attribuut colr hoort niet bij mj-text: bedoel je color?"),
        "{msg}"
    );
    let msg = describe(&found[1].problem, Language::Nl);
    assert_eq!(
        msg,
        "font-size=\"twelve\" is geen geldige maat: gebruik px (bijv. 10px)"
    );

    let text = "<mjml><mj-body><mj-column></mj-column></mj-body></mjml>";
    let msg = describe(&walk(text)[0].problem, Language::Nl);
    assert_eq!(
        msg,
        "mj-column mag niet direct in mj-body staan, alleen in mj-group, mj-section of mj-attributes"
    );
    let msg = describe(&walk(&doc("<mj-txt>a</mj-txt>"))[0].problem, Language::En);
    assert_eq!(
        msg,
        "<mj-txt> does not exist in MJML: did you mean <mj-text>?"
    );
}

#[test]
fn closing_tags_must_match() {
    let text = doc("<mj-text>a</mj-txt>");
    let found = walk(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].at, text.find("</mj-txt>").expect("close"));
    assert!(matches!(found[0].problem, Problem::MismatchedClose { .. }));
    let found = walk(&doc("<mj-text>a"));
    assert!(
        matches!(&found[0].problem, Problem::NeverClosed { tag, shown_by: Some(_) } if tag == "mj-text"),
        "{found:?}"
    );
    assert_eq!(problems(&doc("<mj-spacer /></mj-section>")).len(), 3);
}

#[test]
fn mjml_tags_inside_text_and_images_without_alt() {
    let text = doc("<mj-text>a <mj-image src=\"x\" /> b</mj-text><mj-image src=\"y\" />");
    let found = problems(&text);
    assert!(
        matches!(&found[0], Problem::MjmlInText { tag, .. } if tag == "mj-image"),
        "{found:?}"
    );
    assert_eq!(found[1], Problem::MissingAlt);
    assert_eq!(found.len(), 2);
}

#[test]
fn defaults_in_mj_attributes_follow_the_components_rules() {
    let text = "<mjml><mj-head><mj-attributes><mj-all anything=\"1\" /><mj-class name=\"a\" color=\"x\" /><mj-text colr=\"x\" /><mj-image src=\"x\" /></mj-attributes></mj-head><mj-body></mj-body></mjml>";
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(matches!(&found[0], Problem::IllegalAttribute { attr, .. } if attr == "colr"));
}
