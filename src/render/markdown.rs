//! Markdown to HTML for the layout's sections (pulldown-cmark, CommonMark).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

use super::merge::MERGE_TAGS;

/// The width of the layout's text column in pixels (600 px body, 24 px
/// padding each side): what an image may fill.
pub const COLUMN_PX: u32 = 552;

pub fn to_html(md: &str) -> String {
    let opts =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let md = protect_merge_tags(md);
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, fitted_images(Parser::new_ext(&md, opts)));
    restore_merge_tags(&out)
}

/// Every image scales down to the column: `max-width` and `height: auto`
/// for clients that read CSS, the `width` attribute for Outlook on
/// Windows, which ignores `max-width` and would show a 1,200 px picture at
/// full size. The alt text is the Markdown's `![…]`.
fn fitted_images<'a>(events: impl Iterator<Item = Event<'a>>) -> impl Iterator<Item = Event<'a>> {
    let mut image: Option<(CowStr<'a>, CowStr<'a>, String)> = None;
    events.filter_map(move |event| match (&mut image, event) {
        (None, Event::Start(Tag::Image { dest_url, title, .. })) => {
            image = Some((dest_url, title, String::new()));
            None
        }
        (Some((_, _, alt)), Event::Text(t) | Event::Code(t)) => {
            alt.push_str(&t);
            None
        }
        (Some(_), Event::End(TagEnd::Image)) => {
            let (src, title, alt) = image.take()?;
            let attr = |s: &str| html_escape::encode_double_quoted_attribute(s).into_owned();
            let title = if title.is_empty() {
                String::new()
            } else {
                format!(" title=\"{}\"", attr(&title))
            };
            Some(Event::InlineHtml(CowStr::from(format!(
                "<img src=\"{}\" alt=\"{}\"{title} width=\"{COLUMN_PX}\" style=\"display: block; width: 100%; max-width: {COLUMN_PX}px; height: auto; border: 0;\">",
                attr(&src),
                attr(&alt)
            ))))
        }
        (Some(_), _) => None,
        (None, other) => Some(other),
    })
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
    fn images_fit_the_column_everywhere_and_keep_their_alt_text() {
        let html = to_html("![Zaal & \"De Ruimte\" vol *mensen*](https://kus.example.nl/foto.jpg)");
        assert!(
            html.contains(r#"<img src="https://kus.example.nl/foto.jpg" alt="Zaal &amp; “De Ruimte” vol mensen" width="552" style="display: block; width: 100%; max-width: 552px; height: auto; border: 0;">"#),
            "{html}"
        );
        let hostile = to_html("![x](javascript:alert(1)\"onerror=x)");
        assert!(!hostile.contains("\"onerror"), "{hostile}");
    }

    #[test]
    fn merge_tags_in_links_read_well_as_text() {
        let text = crate::render::text::markdown_to_text("[Voorkeuren]({{ preferences_url }})");
        assert_eq!(text.trim(), "Voorkeuren <{{ preferences_url }}>");
    }
}
