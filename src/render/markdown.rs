//! Markdown to HTML for the layout's sections (pulldown-cmark, CommonMark).

use pulldown_cmark::{Options, Parser, html};

use super::merge::MERGE_TAGS;

pub fn to_html(md: &str) -> String {
    let opts =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let md = protect_merge_tags(md);
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(&md, opts));
    restore_merge_tags(&out)
}

/// Markdown would URL-encode a merge tag used as a link target
/// (`[Voorkeuren]({{ preferences_url }})`) or not see the link at all because of
/// the spaces. Each tag stands in as a plain URL while Markdown is rendered.
pub fn protect_merge_tags(md: &str) -> String {
    let mut out = md.to_string();
    for tag in MERGE_TAGS {
        for written in [format!("{{{{ {tag} }}}}"), format!("{{{{{tag}}}}}")] {
            out = out.replace(&written, &placeholder(tag));
        }
    }
    out
}

/// Puts the merge tags back after rendering.
pub fn restore_merge_tags(rendered: &str) -> String {
    let mut out = rendered.to_string();
    for tag in MERGE_TAGS {
        out = out.replace(&placeholder(tag), &format!("{{{{ {tag} }}}}"));
    }
    out
}

fn placeholder(tag: &str) -> String {
    format!("https://merge.postbode.invalid/{tag}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_tags_work_as_link_targets() {
        let html = to_html(
            "[Voorkeuren]({{ preferences_url }}) en [af]({{unsubscribe_url}}), <{{ archive_url }}>, {{ subscriber.name }}",
        );
        assert!(
            html.contains("<a href=\"{{ preferences_url }}\">Voorkeuren</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"{{ unsubscribe_url }}\">af</a>"),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"{{ archive_url }}\">{{ archive_url }}</a>"),
            "{html}"
        );
        assert!(html.contains(", {{ subscriber.name }}"), "{html}");
    }

    #[test]
    fn merge_tags_in_links_read_well_as_text() {
        let text = crate::render::text::markdown_to_text("[Voorkeuren]({{ preferences_url }})");
        assert_eq!(text.trim(), "Voorkeuren <{{ preferences_url }}>");
    }
}
