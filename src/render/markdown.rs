//! Markdown to HTML for the layout's sections (pulldown-cmark, CommonMark).

use pulldown_cmark::{Options, Parser, html};

pub fn to_html(md: &str) -> String {
    let opts =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION;
    let mut out = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(md, opts));
    out
}
