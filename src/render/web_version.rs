//! The web version of a sent issue, as the archive serves it. An issue's
//! text may hold raw HTML (Markdown passes it through, a `.mjml` issue is
//! MJML with HTML inside), and the mail carries it as the editor wrote it.
//! A page on postbode's own address must not run any of it, so the compiled
//! mail is cleaned with ammonia: the e-mail layout stays (tables, `style`
//! attributes and classes, the `<style>` blocks with MJML's responsive CSS,
//! images over http(s), links to http(s) and mailto addresses) and scripts,
//! event handlers, forms, frames, comments (Outlook's conditional parts) and
//! every other URL scheme (`javascript:`, `data:` …) go. The cleaned body is
//! put in a fresh document with the issue's subject as its title and the
//! mail's `<body>` style (MJML's background colour), cleaned the same way,
//! and the mail's language (`<mjml lang>`).

use std::collections::HashSet;

/// The archive page of an issue: `mail_html` (the compiled mail, a whole
/// HTML document) cleaned, under `title`.
pub fn web_version(mail_html: &str, title: &str) -> String {
    let body = cleaner().clean(mail_html).to_string();
    let lang = mail_language(mail_html).unwrap_or("nl");
    let body_style = body_style(mail_html)
        .map(|s| format!(" style=\"{s}\""))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title></head><body{body_style}>{body}</body></html>\n",
        html_escape::encode_text(title)
    )
}

/// The language the mail declares on its `<html>` (MJML writes
/// `<mjml lang>` there), if it is a plain language tag.
pub fn mail_language(mail_html: &str) -> Option<&str> {
    let start = mail_html.find("<html")?;
    let tag = &mail_html[start..];
    let tag = &tag[..tag.find('>')?];
    let value = tag.split_once(" lang=\"")?.1.split_once('"')?.0;
    let plain = (2..=12).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    plain.then_some(value)
}

/// The `style` of the mail's `<body>`, which a cleaned fragment has no
/// place for: that element's attributes, on a `<div>`, through the same
/// cleaner, and the style it keeps (attribute-escaped, as serialised).
fn body_style(mail_html: &str) -> Option<String> {
    let after_head = mail_html
        .find("</head>")
        .map_or(mail_html, |i| &mail_html[i..]);
    let attributes = &after_head[after_head.find("<body")? + "<body".len()..];
    let attributes = &attributes[..attributes.find('>')?];
    let div = cleaner()
        .clean(&format!("<div{attributes}></div>"))
        .to_string();
    let style = div.split_once(" style=\"")?.1.split_once('"')?.0;
    Some(style.to_string())
}

fn cleaner() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    // A <style> element's text is CSS, which runs nothing; html5ever reads it
    // as raw text, so it cannot hold markup either. The title is set anew.
    b.rm_clean_content_tags(&["style"])
        .add_tags(&["style"])
        .add_clean_content_tags(&["title", "noscript", "iframe", "object", "template"])
        .add_tag_attributes("style", &["media"])
        .add_tag_attributes("a", &["target"])
        .add_generic_attributes(&[
            "style",
            "class",
            "dir",
            "role",
            "align",
            "valign",
            "width",
            "height",
            "bgcolor",
            "border",
            "cellpadding",
            "cellspacing",
            "aria-label",
            "aria-roledescription",
        ])
        .url_schemes(HashSet::from(["http", "https", "mailto"]));
    b
}

#[cfg(test)]
mod tests {
    use super::web_version;

    const MAIL: &str = r#"<!doctype html><html lang="nl"><head><title>Nieuws &amp; meer</title>
<!--[if mso]><xml><o:OfficeDocumentSettings></o:OfficeDocumentSettings></xml><![endif]-->
<meta name="viewport" content="width=device-width, initial-scale=1">
<style type="text/css">#outlook a { padding:0; } body { margin:0; }</style>
<style media="screen and (min-width:480px)">.mj-column-per-100 { width:100% !important; }</style>
<script>alert('head')</script></head>
<body style="word-spacing:normal;background-color:#f2f2f2;"><div class="mj-column-per-100" style="background-color:#f2f2f2;">
<table role="presentation" cellpadding="0" cellspacing="0" width="100%" border="0"><tbody><tr>
<td align="left" style="font-size:0px;padding:0 24px;">
<p>Zichtbare tekst</p>
<script>alert(1)</script>
<a href="javascript:alert(1)">x</a>
<a href="JaVaScRiPt&#58;alert(2)">y</a>
<img src=x onerror=alert(1)>
<img src="data:image/png;base64,AAAA" alt="d">
<img src="https://example.nl/logo.png" alt="logo" width="120">
<a href="https://example.nl/meer" target="_blank" onclick="alert(3)">Lees meer</a>
<a href="mailto:redactie@example.nl">mail</a>
<form action="https://evil.example/"><input name="q"><button formaction="javascript:alert(4)">go</button></form>
<iframe src="https://evil.example/"></iframe>
<svg><style><img src=x onerror=alert(5)></style></svg>
<math><mtext><table><mglyph><style><img src=x onerror=alert(6)></style></mglyph></table></mtext></math>
<div style="color:red" onmouseover="alert(7)">rood</div>
</td></tr></tbody></table></div></body></html>"#;

    #[test]
    fn scripts_handlers_and_unsafe_urls_are_gone() {
        let page = web_version(MAIL, "Nieuws");
        let lower = page.to_lowercase();
        for gone in [
            "<script",
            "alert",
            "javascript",
            "onerror",
            "onclick",
            "onmouseover",
            "data:",
            "<form",
            "<input",
            "<iframe",
            "<svg",
            "<math",
            "evil.example",
            "<!--",
            "o:officedocumentsettings",
        ] {
            assert!(!lower.contains(gone), "{gone} is left in:\n{page}");
        }
    }

    #[test]
    fn the_layout_text_links_and_images_stay() {
        let page = web_version(MAIL, "Nieuws & meer");
        for kept in [
            "<title>Nieuws &amp; meer</title>",
            "<p>Zichtbare tekst</p>",
            "#outlook a { padding:0; } body { margin:0; }",
            r#"<style media="screen and (min-width:480px)">.mj-column-per-100 { width:100% !important; }</style>"#,
            r#"class="mj-column-per-100" style="background-color:#f2f2f2;""#,
            r#"<table role="presentation" cellpadding="0" cellspacing="0" width="100%" border="0">"#,
            r#"<td align="left" style="font-size:0px;padding:0 24px;">"#,
            r#"<img src="https://example.nl/logo.png" alt="logo" width="120">"#,
            r#"href="https://example.nl/meer""#,
            r#"href="mailto:redactie@example.nl""#,
            r#"<div style="color:red">rood</div>"#,
            r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#,
            r#"<body style="word-spacing:normal;background-color:#f2f2f2;">"#,
        ] {
            assert!(page.contains(kept), "{kept} is missing from:\n{page}");
        }
        assert_eq!(
            page.matches("<title>").count(),
            1,
            "only the new title: {page}"
        );
    }

    #[test]
    fn the_page_speaks_the_mails_language() {
        let page = web_version(r#"<html lang="en" dir="auto"><body>t</body></html>"#, "t");
        assert!(page.contains(r#"<html lang="en">"#), "{page}");
        let page = web_version(r#"<html lang="x"><script>"><body>t</body></html>"#, "t");
        assert!(page.contains(r#"<html lang="nl">"#), "{page}");
    }

    #[test]
    fn the_body_keeps_only_its_style() {
        let page = web_version(
            r#"<html><head></head><body class="x" onload="alert(1)" style="color:#222">t</body></html>"#,
            "t",
        );
        assert!(
            page.contains(r#"<body style="color:#222">t</body>"#),
            "{page}"
        );
        let page = web_version(r#"<body onload="alert(1)"><p style="a">t</p></body>"#, "t");
        assert!(page.contains("<body><p style=\"a\">t</p></body>"), "{page}");
    }

    #[test]
    fn css_cannot_close_its_style_block() {
        // Text that looks like a closing tag inside CSS ends the block the
        // same way for the cleaner and for the browser: what follows is HTML
        // and cleaned as such.
        let page = web_version(
            "<style>p{color:red}</style ><img src=x onerror=alert(1)><style>a{}</style>",
            "t",
        );
        assert!(!page.contains("onerror"), "{page}");
        assert!(page.contains("<style>p{color:red}</style>"), "{page}");
    }
}
