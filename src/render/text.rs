//! The `text/plain` part: Markdown rendered as readable text (links written out),
//! so a reader without HTML gets the same content.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// Renders Markdown as plain text wrapped for mail readers.
pub fn markdown_to_text(md: &str) -> String {
    let md = super::markdown::protect_merge_tags(md);
    let md = md.as_str();
    let mut out = String::new();
    let mut list_stack: Vec<Option<u64>> = Vec::new();
    let mut link_stack: Vec<String> = Vec::new();
    let mut link_text_start: Vec<usize> = Vec::new();
    for ev in Parser::new_ext(md, pulldown_cmark::Options::ENABLE_STRIKETHROUGH) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                ensure_blank_line(&mut out);
                if level <= HeadingLevel::H2 {
                    out.push_str("## ");
                } else {
                    out.push_str("### ");
                }
            }
            Event::End(TagEnd::Heading(_)) | Event::End(TagEnd::Paragraph) => out.push('\n'),
            Event::Start(Tag::Paragraph) if list_stack.is_empty() => ensure_blank_line(&mut out),
            Event::Start(Tag::List(start)) => {
                ensure_blank_line(&mut out);
                list_stack.push(start);
            }
            Event::End(TagEnd::List(_)) => {
                list_stack.pop();
            }
            Event::Start(Tag::Item) => {
                if !out.ends_with('\n') && !out.is_empty() {
                    out.push('\n');
                }
                let depth = list_stack.len().saturating_sub(1);
                out.push_str(&"  ".repeat(depth));
                match list_stack.last_mut() {
                    Some(Some(n)) => {
                        out.push_str(&format!("{n}. "));
                        *n += 1;
                    }
                    _ => out.push_str("- "),
                }
            }
            Event::End(TagEnd::Item) if !out.ends_with('\n') => out.push('\n'),
            Event::Start(Tag::Link { dest_url, .. }) => {
                link_stack.push(dest_url.to_string());
                link_text_start.push(out.len());
            }
            Event::End(TagEnd::Link) => {
                let url = link_stack.pop().unwrap_or_default();
                let start = link_text_start.pop().unwrap_or(out.len());
                let text = out[start..].trim().to_string();
                if text != url && !url.is_empty() {
                    out.push_str(&format!(" <{url}>"));
                }
            }
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak => out.push(' '),
            Event::HardBreak => out.push('\n'),
            Event::Rule => {
                ensure_blank_line(&mut out);
                out.push_str("----\n");
            }
            Event::Html(h) | Event::InlineHtml(h) => out.push_str(&strip_tags(&h)),
            Event::End(TagEnd::CodeBlock) | Event::End(TagEnd::BlockQuote(_)) => out.push('\n'),
            _ => {}
        }
    }
    super::markdown::restore_merge_tags(&wrap(out.trim()))
}

fn ensure_blank_line(out: &mut String) {
    if out.is_empty() {
        return;
    }
    while !out.ends_with("\n\n") {
        out.push('\n');
    }
}

fn strip_tags(h: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in h.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Wraps long lines at 76 characters without breaking words or URLs. A list
/// item's continuation lines start under its text, and its marker (`-`, `1.`)
/// always stays on the line of its first word.
pub fn wrap(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 60);
    for line in text.lines() {
        let indent: String = line.chars().take_while(|c| *c == ' ').collect();
        let marker = marker_width(line.trim_start());
        let cont = format!("{indent}{}", " ".repeat(marker.unwrap_or(0)));
        let mut width = 0;
        // Words on the current output line, not counting a list marker.
        let mut on_line = 0;
        for (i, word) in line.split(' ').filter(|w| !w.is_empty()).enumerate() {
            let w = word.chars().count();
            if i == 0 {
                out.push_str(&indent);
                width = indent.len();
            } else if width + 1 + w > 76 && on_line > 0 {
                out.push('\n');
                out.push_str(&cont);
                width = cont.len();
                on_line = 0;
            } else {
                out.push(' ');
                width += 1;
            }
            out.push_str(word);
            width += w;
            if !(i == 0 && marker.is_some()) {
                on_line += 1;
            }
        }
        out.push('\n');
    }
    out
}

/// The width of a list marker (`- `, `12. `) that starts `s`, if there is one.
fn marker_width(s: &str) -> Option<usize> {
    if s.starts_with("- ") {
        return Some(2);
    }
    let (n, _) = s.split_once(". ")?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(n.len() + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_lists_and_headings_read_well() {
        let t = markdown_to_text(
            "Intro met [een link](https://kus.example.nl/a).\n\n### Kop\n\n- een\n- twee\n\n1. drie\n",
        );
        assert!(
            t.contains("Intro met een link <https://kus.example.nl/a>."),
            "{t}"
        );
        assert!(t.contains("### Kop"));
        assert!(t.contains("- een\n- twee"));
        assert!(t.contains("1. drie"));
    }

    #[test]
    fn long_lines_are_wrapped_without_breaking_words() {
        let long = "woord ".repeat(40);
        for line in wrap(&long).lines() {
            assert!(line.chars().count() <= 76);
        }
    }

    #[test]
    fn a_list_marker_stays_with_a_long_url_and_items_continue_under_their_text() {
        let url = format!("https://kus.example.nl/{}", "lang/".repeat(15));
        assert_eq!(wrap(&format!("- {url}")), format!("- {url}\n"));
        let item = format!("12. {}", "woord ".repeat(20));
        let wrapped = wrap(&item);
        let second = wrapped.lines().nth(1).expect("wrapped");
        assert!(second.starts_with("    woord"), "{wrapped}");
    }
}
