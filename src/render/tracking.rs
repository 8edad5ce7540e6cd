//! Counted links (`tracking.clicks`): in a compiled variant, every link to
//! one of the issue's own addresses points to its counted link instead.
//! Images are left alone (that would count opens), and so are the merge-tag
//! links (preferences, unsubscribe, archive), which are no issue addresses.

/// The issue's addresses and the counted link that replaces each.
pub type Targets = [(String, String)];

/// `href="…"` attributes whose address is one of `targets`.
pub fn rewrite_html(html: &str, targets: &Targets) -> String {
    const ATTR: &str = "href=\"";
    let mut out = String::with_capacity(html.len() + 64 * targets.len());
    let mut rest = html;
    while let Some(at) = rest.find(ATTR) {
        let value_start = at + ATTR.len();
        let Some(len) = rest[value_start..].find('"') else {
            break;
        };
        let written = &rest[value_start..value_start + len];
        out.push_str(&rest[..value_start]);
        let address = html_escape::decode_html_entities(written);
        match targets.iter().find(|(url, _)| *url == address) {
            Some((_, counted)) => {
                out.push_str(&html_escape::encode_double_quoted_attribute(counted))
            }
            None => out.push_str(written),
        }
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    out
}

/// The text part writes a link as `text <address>`.
pub fn rewrite_text(text: &str, targets: &Targets) -> String {
    let mut out = text.to_string();
    for (url, counted) in targets {
        out = out.replace(&format!("<{url}>"), &format!("<{counted}>"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Vec<(String, String)> {
        vec![
            ("https://a.nl/x?p=1&q=2".into(), "https://pb/l/i/0-M".into()),
            ("https://b.nl".into(), "https://pb/l/i/1-N".into()),
        ]
    }

    #[test]
    fn only_the_issues_own_links_are_rewritten() {
        let html = r#"<a href="https://a.nl/x?p=1&amp;q=2">a</a><img src="https://b.nl"><a href="https://b.nl">b</a><a href="{{ preferences_url }}">v</a><a href="https://c.nl">c</a>"#;
        assert_eq!(
            rewrite_html(html, &targets()),
            r#"<a href="https://pb/l/i/0-M">a</a><img src="https://b.nl"><a href="https://pb/l/i/1-N">b</a><a href="{{ preferences_url }}">v</a><a href="https://c.nl">c</a>"#
        );
    }

    #[test]
    fn text_links_are_rewritten_whole() {
        let text = "a <https://b.nl> en <https://b.nl/langer>";
        assert_eq!(
            rewrite_text(text, &targets()),
            "a <https://pb/l/i/1-N> en <https://b.nl/langer>"
        );
    }
}
