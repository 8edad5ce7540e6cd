//! The pages of the sign-up form: the form itself (also with the mistakes
//! in it), the one answer to every accepted sign-up, and the refusals.

use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use std::time::Duration;

use super::AppState;
use super::forms::SubscribeForm;
use super::page::{page, respond, with_link};
use crate::domain::subscriber::{Choices, Language};
use crate::domain::texts::tr;

/// The version of the consent sentence shown on the form; stored with every sign-up.
pub const CONSENT_VERSION: &str = "2026-11";

pub fn consent_sentence(s: &AppState, lang: Language) -> String {
    let platform = &s.config.platform.name;
    tr!(lang, "pages.signup.consent", platform = platform)
}

/// What the person agreed to, as stored in the consent record.
pub fn consent_text(s: &AppState, c: &Choices) -> String {
    let join = |l: &[crate::domain::slug::Slug]| {
        l.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    };
    format!(
        "[{CONSENT_VERSION}] {} | workshops: {}; interests: {}; reminders: {}; language: {}",
        consent_sentence(s, c.language),
        join(c.segments.workshops()),
        join(c.segments.interests()),
        if c.reminders { "yes" } else { "no" },
        c.language.as_str()
    )
}

/// The texts of the sign-up pages in `lang`.
fn words(lang: Language) -> impl Fn(&str) -> String {
    super::page::words(lang, "pages.signup")
}

pub fn form_page(s: &AppState, lang: Language, v: &SubscribeForm, errors: &[String]) -> Markup {
    let t = words(lang);
    let title = t("title");
    let action = format!("{}/subscribe", s.config.base_url());
    let language = if v.language == "en" { "en" } else { "nl" };
    let platform = &s.config.platform.name;
    let body = html! {
        h1 { (title) }
        p { (tr!(lang, "pages.signup.intro", platform = platform)) }
        @if !errors.is_empty() {
            div.errors role="alert" {
                p { strong { (t("check_form")) } }
                ul { @for e in errors { li { (e) } } }
            }
        }
        form method="post" action=(action) {
            p.field {
                label for="email" { (t("email")) }
                input #email type="email" name="email" required autocomplete="email" maxlength="254" value=(v.email);
            }
            p.field {
                label for="name" { (t("name")) }
                input #name type="text" name="name" autocomplete="name" maxlength=(crate::domain::name::SubscriberName::MAX_CHARS) value=(v.name);
            }
            @if !s.config.workshops.is_empty() {
                fieldset {
                    legend { (t("workshops")) }
                    @for (i, w) in s.config.workshops.iter().enumerate() {
                        @let id = format!("workshop-{i}");
                        div.check {
                            input type="checkbox" id=(id) name="workshops" value=(w.slug.as_str()) checked[v.workshops.iter().any(|x| x == w.slug.as_str())];
                            label for=(id) { (w.name) }
                        }
                    }
                }
            }
            @if !s.config.interests.is_empty() {
                fieldset {
                    legend { (t("themes")) }
                    @for (i, th) in s.config.interests.iter().enumerate() {
                        @let id = format!("interest-{i}");
                        div.check {
                            input type="checkbox" id=(id) name="interests" value=(th.slug.as_str()) checked[v.interests.iter().any(|x| x == th.slug.as_str())];
                            label for=(id) { (th.name) }
                        }
                    }
                }
            }
            fieldset {
                legend { (t("agenda")) }
                div.check {
                    input #reminders type="checkbox" name="reminders" value="on" checked[v.reminders];
                    label for="reminders" { (t("reminders")) }
                }
            }
            fieldset {
                legend { (t("language")) }
                div.check {
                    input #language-nl type="radio" name="language" value="nl" checked[language == "nl"];
                    label for="language-nl" lang="nl" { "Nederlands" }
                }
                div.check {
                    input #language-en type="radio" name="language" value="en" checked[language == "en"];
                    label for="language-en" lang="en" { "English" }
                }
            }
            input type="hidden" name="form_token" value=(s.links.form_token());
            div.hp {
                label for="website" { (t("honeypot")) }
                input #website type="text" name="website" tabindex="-1" autocomplete="off" value="";
            }
            p.consent {
                (consent_sentence(s, lang))
                " "
                small { "(" (t("version")) " " (CONSENT_VERSION) ")" }
            }
            p { button type="submit" { (t("submit")) } }
        }
    };
    page(s, lang, &title, body)
}

/// The one answer to every accepted sign-up, whatever the address's state.
pub fn done_page(s: &AppState, lang: Language) -> Response {
    let t = words(lang);
    let title = t("done_title");
    let body = html! {
        h1 { (title) }
        p { (t("done_text")) }
        p { (t("done_spam")) }
    };
    respond(s, StatusCode::OK, lang, &title, body)
}

pub fn too_many(s: &AppState, lang: Language, wait: Duration) -> Response {
    let t = words(lang);
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let title = t("too_many_title");
    let body = html! {
        h1 { (title) }
        p { (tr!(lang, "pages.signup.too_many_text", minutes = minutes)) }
    };
    let mut r = respond(s, StatusCode::TOO_MANY_REQUESTS, lang, &title, body);
    if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// A form that could not be read says so in both languages: it did not
/// tell which one it was filled in.
pub fn unreadable(s: &AppState, rejection: BytesRejection) -> Response {
    let status = rejection.status();
    let which = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "too_large"
    } else {
        "unreadable"
    };
    let (nl, en) = (words(Language::Nl), words(Language::En));
    let title = nl(&format!("{which}_title"));
    let text = format!(
        "{} / {}",
        nl(&format!("{which}_text")),
        en(&format!("{which}_text"))
    );
    let body = html! { h1 { (title) } p { (text) } };
    respond(s, status, Language::Nl, &title, body)
}

/// A post made by another web site's page (403): nothing is stored.
pub fn cross_site(s: &AppState, lang: Language) -> Response {
    let t = words(lang);
    let title = t("cross_site_title");
    let form = s.links.page("/");
    let body = html! {
        h1 { (title) }
        p { (with_link(&t("cross_site_text"), html! { a href=(form) { (form) } })) }
    };
    respond(s, StatusCode::FORBIDDEN, lang, &title, body)
}

/// The form again, with what was typed and what to change (400).
pub fn bad_form(s: &AppState, lang: Language, mut v: SubscribeForm, errors: &[String]) -> Response {
    // Unknown values cannot be ticked again; keep only what the form offers.
    let catalogue = s.config.catalogue();
    v.workshops
        .retain(|w| catalogue.offers(crate::domain::segments::SegmentKind::Workshop, w));
    v.interests
        .retain(|i| catalogue.offers(crate::domain::segments::SegmentKind::Interest, i));
    let markup = form_page(s, lang, &v, errors);
    (StatusCode::BAD_REQUEST, Html(markup.into_string())).into_response()
}
