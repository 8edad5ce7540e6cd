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
use crate::domain::subscriber::UnsubscribeSource;

pub async fn show(State(s): State<AppState>, v: Verified<UnsubscribeLink>) -> Response {
    let sub = &v.subscriber;
    let en = sub.language.is_en();
    let body = if !sub.status.is_subscribed() {
        html! {
            h1 { @if en { "You are unsubscribed" } @else { "Je bent afgemeld" } }
            p { @if en { "You no longer receive mail from us." } @else { "Je ontvangt geen mail meer van ons." } }
        }
    } else {
        html! {
            h1 { @if en { "Unsubscribe" } @else { "Afmelden" } }
            p { @if en { "Press the button to stop receiving our mail." } @else { "Druk op de knop om geen mail meer van ons te ontvangen." } }
            form method="post" {
                button type="submit" { @if en { "Unsubscribe" } @else { "Afmelden" } }
            }
        }
    };
    let title = if en { "Unsubscribe" } else { "Afmelden" };
    respond(&s, StatusCode::OK, sub.language, title, body)
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
    let en = sub.language.is_en();
    // The question why comes only after the unsubscribe, and only on our own page.
    let reason_action = s.links.page(&format!("/unsubscribe/{}/reason", v.token));
    let body = unsubscribed_body(en, (!one_click).then_some(reason_action.as_str()));
    let title = if en { "Unsubscribed" } else { "Afgemeld" };
    Ok(respond(&s, StatusCode::OK, sub.language, title, body))
}

/// The answer after unsubscribing; with `reason_action`, an optional question why.
pub fn unsubscribed_body(en: bool, reason_action: Option<&str>) -> Markup {
    let choices: [(&str, &str, &str); 4] = [
        ("too-much", "Too much mail", "Te veel mail"),
        (
            "not-relevant",
            "Not relevant to me",
            "Niet relevant voor mij",
        ),
        (
            "never-subscribed",
            "I never subscribed",
            "Ik heb me nooit aangemeld",
        ),
        ("other", "Other", "Anders"),
    ];
    html! {
        h1 { @if en { "You are unsubscribed" } @else { "Je bent afgemeld" } }
        p { @if en { "You will receive no more mail from us, starting now." } @else { "Vanaf nu ontvang je geen mail meer van ons." } }
        @if let Some(action) = reason_action {
            form method="post" action=(action) {
                fieldset {
                    legend { @if en { "Would you tell us why? (optional)" } @else { "Wil je ons vertellen waarom? (niet verplicht)" } }
                    @for (value, en_label, nl_label) in choices {
                        @let id = format!("reason-{value}");
                        div {
                            input type="radio" id=(id) name="reason" value=(value);
                            " "
                            label for=(id) { @if en { (en_label) } @else { (nl_label) } }
                        }
                    }
                    p {
                        label for="other_text" { @if en { "Anything else you want to say" } @else { "Toelichting" } }
                        br;
                        textarea id="other_text" name="other_text" maxlength=(MAX_REASON_CHARS) rows="3" cols="30" {}
                    }
                }
                p { button type="submit" { @if en { "Send" } @else { "Versturen" } } }
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
    let en = sub.language.is_en();
    let body = html! {
        h1 { @if en { "Thank you" } @else { "Dank je wel" } }
        p { @if en { "Thank you for letting us know." } @else { "Bedankt dat je het ons laat weten." } }
    };
    let title = if en { "Thank you" } else { "Dank je wel" };
    Ok(respond(&s, StatusCode::OK, sub.language, title, body))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
