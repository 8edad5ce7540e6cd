//! `GET /unsubscribe/{token}` shows a button; `POST` unsubscribes at once.
//! A mail client's RFC 8058 one-click POST gets a plain 200: no redirect, no cookie.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::AppState;
use super::error::AppError;
use super::page::respond;
use super::verified::{UnsubscribeLink, Verified};
use crate::domain::subscriber::{Language, UnsubscribeSource};

/// The texts of the unsubscribe pages in `lang`.
fn words(lang: Language) -> impl Fn(&str) -> String {
    super::page::words(lang, "pages.unsubscribe")
}

pub async fn show(State(s): State<AppState>, v: Verified<UnsubscribeLink>) -> Response {
    let sub = &v.subscriber;
    let t = words(sub.language);
    let body = if !sub.status.is_subscribed() {
        html! {
            h1 { (t("already")) }
            p { (t("already_text")) }
        }
    } else {
        html! {
            h1 { (t("title")) }
            p { (t("text")) }
            form method="post" {
                button type="submit" { (t("button")) }
            }
        }
    };
    respond(&s, StatusCode::OK, sub.language, &t("title"), body)
}

pub async fn confirm(
    State(s): State<AppState>,
    v: Verified<UnsubscribeLink>,
    body: Bytes,
) -> Result<Response, AppError> {
    // RFC 8058: the mail client posts `List-Unsubscribe=One-Click` (urlencoded or
    // multipart); our own page posts an empty form.
    let one_click = body.windows(26).any(|w| w == b"List-Unsubscribe=One-Click")
        || (contains(&body, b"List-Unsubscribe") && contains(&body, b"One-Click"));
    let source = if one_click {
        UnsubscribeSource::OneClick
    } else {
        UnsubscribeSource::Page
    };
    let issue = (v.claims.context > 0).then_some(v.claims.context);
    let sub = &v.subscriber;
    s.db.unsubscribe(sub.id, source, issue, s.now()).await?;
    tracing::info!(
        subscriber = sub.id,
        source = source.as_str(),
        "unsubscribed"
    );
    // The question why comes only after the unsubscribe, and only on our own page.
    let reason_action = s.links.page(&format!("/unsubscribe/{}/reason", v.token));
    let body = unsubscribed_body(sub.language, (!one_click).then_some(reason_action.as_str()));
    let title = words(sub.language)("done_title");
    Ok(respond(&s, StatusCode::OK, sub.language, &title, body))
}

/// The answer after unsubscribing; with `reason_action`, an optional question why.
pub fn unsubscribed_body(lang: Language, reason_action: Option<&str>) -> Markup {
    let t = words(lang);
    // The values posted, and the ends of their labels' keys.
    let choices = [
        ("too-much", "too_much"),
        ("not-relevant", "not_relevant"),
        ("never-subscribed", "never_subscribed"),
        ("other", "other"),
    ];
    html! {
        h1 { (t("done")) }
        p { (t("done_text")) }
        @if let Some(action) = reason_action {
            form method="post" action=(action) {
                fieldset {
                    legend { (t("why")) }
                    @for (value, key) in choices {
                        @let id = format!("reason-{value}");
                        div {
                            input type="radio" id=(id) name="reason" value=(value);
                            " "
                            label for=(id) { (t(&format!("reason_{key}"))) }
                        }
                    }
                    p {
                        label for="other_text" { (t("other_text")) }
                        br;
                        textarea id="other_text" name="other_text" maxlength=(MAX_REASON_CHARS) rows="3" cols="30" {}
                    }
                }
                p { button type="submit" { (t("send")) } }
            }
        }
    }
}

/// The longest free-text reason kept.
pub const MAX_REASON_CHARS: usize = 500;

/// `POST /unsubscribe/{token}/reason`: the optional reason, stored on the latest unsubscribe.
pub async fn reason(
    State(s): State<AppState>,
    v: Verified<UnsubscribeLink>,
    body: Bytes,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    let mut choice = String::new();
    let mut text = String::new();
    for (key, value) in url::form_urlencoded::parse(&body) {
        match key.as_ref() {
            "reason" => choice = value.into_owned(),
            "other_text" => text = crate::domain::text::cleaned(&value, MAX_REASON_CHARS),
            _ => {}
        }
    }
    let reason = match choice.as_str() {
        "too-much" | "not-relevant" | "never-subscribed" => choice.clone(),
        "other" if text.is_empty() => "other".to_string(),
        "other" => format!("other: {text}"),
        "" if !text.is_empty() => format!("other: {text}"),
        _ => String::new(),
    };
    // Only someone who is unsubscribed has an unsubscribe to explain.
    if !reason.is_empty() && !sub.status.is_subscribed() {
        s.db.set_unsubscribe_reason(sub.id, &reason).await?;
    }
    let t = words(sub.language);
    let body = html! {
        h1 { (t("thanks")) }
        p { (t("thanks_text")) }
    };
    Ok(respond(
        &s,
        StatusCode::OK,
        sub.language,
        &t("thanks_title"),
        body,
    ))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
