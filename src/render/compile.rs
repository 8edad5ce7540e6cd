//! MJML to HTML with mrml, with mrml's byte spans turned into file positions.
//! mrml only ever sees a document whose nesting was checked, on a thread
//! with a stack known to suffice (`nesting`, `stack`).

use std::borrow::Cow;

use mrml::prelude::parser::Error as ParseError;
use mrml::prelude::render::RenderOptions;

use super::nesting::{check_document, tag_end};
use super::stack::with_compile_stack;

/// Compiles an MJML document. Errors are (byte offset, message for the editor).
pub fn compile(mjml: &str) -> Result<String, (usize, String)> {
    check_document(mjml)?;
    let input = normalise_attributes(mjml);
    with_compile_stack(|| {
        let parsed = mrml::parse(&input).map_err(|e| describe(&e, &input))?;
        let opts = RenderOptions {
            disable_comments: true,
            ..RenderOptions::default()
        };
        parsed
            .element
            .render(&opts)
            .map_err(|e| (0, format!("MJML could not be rendered: {e}")))
    })
    .map_err(|why| (0, why))?
}

/// Parses without rendering: the check made when an `.mjml` issue is dropped in.
pub fn check_mjml(mjml: &str) -> Result<(), (usize, String)> {
    check_tag_names(mjml)?;
    check_document(mjml)?;
    let input = normalise_attributes(mjml);
    with_compile_stack(|| {
        mrml::parse(&input)
            .map(|_| ())
            .map_err(|e| describe(&e, &input))
    })
    .map_err(|why| (0, why))?
}

/// The plain text of compiled HTML, wrapped at 76 columns (for `.mjml`
/// issues, whose text part is made from their HTML).
pub fn html_to_text(html: &str) -> Result<String, String> {
    with_compile_stack(|| html2text::from_read(html.as_bytes(), 76).unwrap_or_default())
}

/// The tags of MJML 4 that mrml renders.
const MJML_TAGS: &[&str] = &[
    "mjml",
    "mj-head",
    "mj-body",
    "mj-attributes",
    "mj-all",
    "mj-class",
    "mj-breakpoint",
    "mj-font",
    "mj-preview",
    "mj-style",
    "mj-title",
    "mj-accordion",
    "mj-accordion-element",
    "mj-accordion-title",
    "mj-accordion-text",
    "mj-button",
    "mj-carousel",
    "mj-carousel-image",
    "mj-column",
    "mj-divider",
    "mj-group",
    "mj-hero",
    "mj-image",
    "mj-navbar",
    "mj-navbar-link",
    "mj-raw",
    "mj-section",
    "mj-social",
    "mj-social-element",
    "mj-spacer",
    "mj-table",
    "mj-text",
    "mj-wrapper",
];

/// mrml renders an unknown tag such as `<mj-sectoin>` as literal text instead of
/// refusing it (the reference MJML refuses it); catch misspelt tags here.
fn check_tag_names(mjml: &str) -> Result<(), (usize, String)> {
    let mut rest = 0;
    while let Some(p) = mjml[rest..].find("<") {
        let at = rest + p;
        let after = mjml[at + 1..].trim_start_matches('/');
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if (name.starts_with("mj-") || name == "mjml") && !MJML_TAGS.contains(&name.as_str()) {
            let hint = if name == "mj-include" || name == "mj-html-attributes" {
                format!("<{name}> is not supported in issues")
            } else {
                format!(
                    "<{name}> is not an MJML tag; check the spelling (e.g. mj-section, mj-column, mj-text)"
                )
            };
            return Err((at, format!("invalid MJML: {hint}")));
        }
        rest = at + 1;
    }
    Ok(())
}

/// mrml writes attribute values with Rust's `Debug` formatting, so a newline
/// inside an attribute would come out as a literal `\n`. Newlines and tabs inside
/// quoted attribute values become spaces; byte offsets stay the same. Most
/// documents have none, and are returned as they are.
pub fn normalise_attributes(mjml: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut in_tag = false;
    let mut quote: Option<u8> = None;
    // Only ASCII bytes are looked at and replaced, and those never occur
    // inside a multi-byte UTF-8 character: every slice below is whole.
    for (i, &b) in mjml.as_bytes().iter().enumerate() {
        match (in_tag, quote, b) {
            (false, _, b'<') => in_tag = true,
            (true, None, b'>') => in_tag = false,
            (true, None, b'"' | b'\'') => quote = Some(b),
            (true, Some(q), _) if b == q => quote = None,
            (true, Some(_), b'\n' | b'\t' | b'\r') => {
                let o = out.get_or_insert_with(|| String::with_capacity(mjml.len()));
                o.push_str(&mjml[copied..i]);
                o.push(' ');
                copied = i + 1;
            }
            _ => {}
        }
    }
    match out {
        None => Cow::Borrowed(mjml),
        Some(mut o) => {
            o.push_str(&mjml[copied..]);
            Cow::Owned(o)
        }
    }
}

fn describe(e: &ParseError, input: &str) -> (usize, String) {
    let hint = "check that every MJML tag is spelled right, closed, and nested as in an <mjml><mj-body> document";
    // mrml notices a missing or extra closing tag only at the end of the
    // document or at a later tag; the editor needs the tag itself.
    if matches!(
        e,
        ParseError::EndOfStream { .. } | ParseError::UnexpectedToken { .. }
    ) && let Some(found) = unbalanced_tag(input)
    {
        return (found.0, format!("invalid MJML: {}", found.1));
    }
    let (at, what) = match e {
        ParseError::UnexpectedElement { position, .. } => {
            (position.start, "unexpected element".to_string())
        }
        ParseError::UnexpectedToken { position, .. } => {
            (position.start, "unexpected token".to_string())
        }
        ParseError::MissingAttribute { name, position, .. } => {
            (position.start, format!("missing attribute {name:?}"))
        }
        ParseError::InvalidAttribute { position, .. } => {
            (position.start, "invalid attribute".to_string())
        }
        ParseError::InvalidFormat { position, .. } => {
            (position.start, "invalid format".to_string())
        }
        ParseError::EndOfStream { .. } => (
            input.len(),
            "the document ends before all tags are closed".to_string(),
        ),
        ParseError::SizeLimit { .. } => (0, "the document is too large".to_string()),
        ParseError::ParserError { source, .. } => {
            let pos = source.pos();
            (
                byte_of(input, pos.row as usize, pos.col as usize),
                without_positions(&source.to_string()),
            )
        }
        ParseError::NoRootNode => (0, "there is no <mjml> element".to_string()),
        ParseError::IncludeLoaderError { position, .. } => (
            position.start,
            "mj-include is not supported in issues".to_string(),
        ),
    };
    (at, format!("invalid MJML: {what}; {hint}"))
}

/// The parser's messages say "at ROW:COL" counted from the start of the MJML, not
/// of the file; the diagnostic carries the file's position, so those are dropped.
fn without_positions(message: &str) -> String {
    let is_pos = |w: &str| {
        w.split_once(':').is_some_and(|(r, c)| {
            [r, c]
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
    };
    let mut words = message.split(' ').peekable();
    let mut out = Vec::new();
    while let Some(w) = words.next() {
        if w == "at" && words.peek().is_some_and(|n| is_pos(n)) {
            words.next();
        } else {
            out.push(w);
        }
    }
    out.join(" ")
}

/// The first `mj-` tag left open or closed without being open, as (byte
/// offset, message). Only MJML tags count: HTML inside `mj-text` is mrml's
/// business, and comments are skipped.
fn unbalanced_tag(input: &str) -> Option<(usize, String)> {
    let never_closed =
        |name: &str| format!("<{name}> is never closed; add </{name}> where it should end");
    let mut open: Vec<(&str, usize)> = Vec::new();
    let mut from = 0;
    while let Some(p) = input[from..].find('<') {
        let at = from + p;
        let tail = &input[at..];
        if tail.starts_with("<!--") {
            from = at + tail.find("-->").map_or(tail.len(), |e| e + 3);
            continue;
        }
        let closing = tail.starts_with("</");
        let name_at = if closing { 2 } else { 1 };
        let name = tail[name_at..]
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .next()
            .unwrap_or("");
        if name != "mjml" && !name.starts_with("mj-") {
            from = at + 1;
            continue;
        }
        // An unterminated tag is a syntax error mrml reports precisely itself.
        let end = tag_end(tail)?;
        from = at + end + 1;
        if !closing {
            if !tail[..end].ends_with('/') {
                open.push((name, at));
            }
            continue;
        }
        let Some(i) = open.iter().rposition(|(n, _)| *n == name) else {
            return Some((
                at,
                format!(
                    "</{name}> closes a tag that is not open; remove it or add the missing <{name}>"
                ),
            ));
        };
        if let Some(&(inner, inner_at)) = open.get(i + 1) {
            return Some((inner_at, never_closed(inner)));
        }
        open.truncate(i);
    }
    open.last().map(|&(name, at)| (at, never_closed(name)))
}

fn byte_of(text: &str, row: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i + 1 == row {
            return offset
                + line
                    .char_indices()
                    .nth(col.saturating_sub(1))
                    .map_or(line.len(), |(b, _)| b);
        }
        offset += line.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newline_inside_an_attribute_does_not_leak_into_html() {
        let html = compile(
            "<mjml><mj-body><mj-section><mj-column><mj-text css-class=\"a\n b\">Hoi</mj-text></mj-column></mj-section></mj-body></mjml>",
        )
        .expect("compiles");
        assert!(!html.contains("\\n"), "literal \\n in output");
        assert!(html.contains("Hoi"));
    }

    #[test]
    fn only_line_breaks_inside_quoted_attributes_become_spaces() {
        let src = "<mj-text title='Zo\té' css-class=\"a\r\nb\">Één\nregel > \"x\ny\"</mj-text>";
        let out = normalise_attributes(src);
        assert_eq!(
            out,
            "<mj-text title='Zo é' css-class=\"a  b\">Één\nregel > \"x\ny\"</mj-text>"
        );
        assert_eq!(out.len(), src.len(), "byte offsets stay the same");
        let plain = "<mj-text css-class=\"a\">Één\nregel</mj-text>";
        assert!(matches!(normalise_attributes(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn misspelt_tags_are_refused_where_they_stand() {
        let src =
            "<mjml><mj-body>\n<mj-sectoin><mj-column></mj-column></mj-sectoin></mj-body></mjml>";
        let (at, msg) = check_mjml(src).expect_err("misspelt");
        assert_eq!(at, 16);
        assert!(msg.contains("<mj-sectoin> is not an MJML tag"), "{msg}");
        assert!(check_mjml("<mjml><mj-body><mj-section><mj-column><mj-text>Hoi</mj-text></mj-column></mj-section></mj-body></mjml>").is_ok());
    }

    #[test]
    fn a_tag_left_open_is_reported_where_it_opens() {
        let src = "<mjml>\n<mj-body>\n  <mj-section>\n  <mj-section><mj-column><mj-text>a</mj-text></mj-column></mj-section>\n</mj-body></mjml>";
        let (at, msg) = compile(src).expect_err("broken");
        assert_eq!(at, src.find("  <mj-section>").expect("tag") + 2);
        assert!(msg.contains("<mj-section> is never closed"), "{msg}");
    }

    #[test]
    fn errors_carry_the_byte_offset() {
        let src = "<mjml>\n<mj-body>\n  <mj-section>\n</mj-body></mjml>";
        let (at, msg) = compile(src).expect_err("broken");
        assert!(msg.starts_with("invalid MJML"), "{msg}");
        assert!(at > 6, "{at}");
    }
}
