//! The page frame: semantic HTML, readable on a phone, no JavaScript, the
//! platform's name and colour. maud escapes every value written into it.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

use super::AppState;
use crate::domain::subscriber::Language;
use crate::domain::texts::tr;

/// The one stylesheet of the pages, built once per process from the accent
/// colour, and the Content-Security-Policy that allows exactly that
/// stylesheet (by its SHA-256 hash) and nothing else to load.
pub struct PageStyle {
    css: String,
    policy: HeaderValue,
}

impl PageStyle {
    pub fn new(accent: &str) -> Self {
        let css = css(accent);
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&css));
        let policy = format!(
            "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
             base-uri 'none'; frame-ancestors 'none'"
        );
        Self {
            css,
            // Base64 and ASCII text: always a valid header value.
            policy: HeaderValue::from_str(&policy)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'")),
        }
    }

    /// The `Content-Security-Policy` of every page drawn with [`page`].
    pub fn policy(&self) -> &HeaderValue {
        &self.policy
    }
}

pub fn page(s: &AppState, lang: Language, title: &str, body: Markup) -> Markup {
    page_with_head(s, lang, title, html! {}, body)
}

/// [`page`] with more in its `<head>` (e.g. a feed's `<link>`).
pub fn page_with_head(
    s: &AppState,
    lang: Language,
    title: &str,
    head: Markup,
    body: Markup,
) -> Markup {
    let platform = &s.config.platform;
    html! {
        (DOCTYPE)
        html lang=(lang.as_str()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " · " (platform.name) }
                style { (PreEscaped(&s.style.css)) }
                (head)
            }
            body {
                header { p.brand { (platform.name) } }
                main { (body) }
            }
        }
    }
}

/// The texts of one table of `pages.toml` in `lang`, by the rest of their
/// key: `words(lang, "pages.confirm")("title")`.
pub fn words(lang: Language, table: &'static str) -> impl Fn(&str) -> String {
    move |key| tr!(lang, &format!("{table}.{key}"))
}

/// A catalogue text with `{link}` where `link` goes: the text escaped,
/// the link as made.
pub fn with_link(text: &str, link: Markup) -> Markup {
    let (before, after) = text.split_once("{link}").unwrap_or((text, ""));
    html! { (before) (link) (after) }
}

/// A whole page as an answer.
pub fn respond(
    s: &AppState,
    status: StatusCode,
    lang: Language,
    title: &str,
    body: Markup,
) -> Response {
    respond_with_head(s, status, lang, title, html! {}, body)
}

pub fn respond_with_head(
    s: &AppState,
    status: StatusCode,
    lang: Language,
    title: &str,
    head: Markup,
    body: Markup,
) -> Response {
    let page = page_with_head(s, lang, title, head, body);
    (status, Html(page.into_string())).into_response()
}

fn css(accent: &str) -> String {
    // The accent colour is validated as #rrggbb at start-up, so it is safe in CSS.
    format!(
        "body{{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f4f4;color:#222;line-height:1.5;font-size:17px}}\
         header{{background:{accent};color:#fff;padding:.75rem 1rem}}.brand{{margin:0;font-weight:600}}\
         main{{max-width:36rem;margin:1.5rem auto;background:#fff;padding:1.25rem 1.25rem 2rem;border-radius:6px}}\
         h1{{font-size:1.4rem;margin-top:0}}a{{color:{accent}}}\
         button{{background:{accent};color:#fff;border:0;border-radius:4px;padding:.8rem 1.4rem;font-size:1rem;cursor:pointer;min-height:44px}}\
         ul.issues{{padding-left:1.2rem}}\
         fieldset{{border:1px solid #ccc;border-radius:4px;margin:0 0 1rem;padding:.5rem .9rem .8rem}}legend{{font-weight:600;padding:0 .3rem}}\
         .field label{{display:block;font-weight:600;margin-bottom:.2rem}}\
         input[type=email],input[type=text]{{box-sizing:border-box;width:100%;font-size:1rem;padding:.6rem;border:1px solid #888;border-radius:4px}}\
         .check{{display:flex;align-items:flex-start;gap:.5rem;margin:.35rem 0}}.check input{{width:1.25rem;height:1.25rem;margin-top:.15rem;flex:none}}\
         .errors{{border-left:4px solid #b00020;background:#fdecea;padding:.5rem 1rem;margin-bottom:1rem}}\
         .hp{{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}}"
    )
}
