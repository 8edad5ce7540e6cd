//! `GET /unsubscribe/{token}` shows a button; `POST` unsubscribes at once.
//! A mail client's RFC 8058 one-click POST gets a plain 200: no redirect, no cookie.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use std::sync::Arc;

use super::error::{internal, invalid_link};
use super::page::page;
use crate::context::Ctx;
use crate::domain::token::{Claims, Purpose};

fn verify(ctx: &Ctx, token: &str) -> Option<Claims> {
    ctx.signer.verify(token, Purpose::Unsubscribe)
}

pub async fn show(State(ctx): State<Arc<Ctx>>, Path(token): Path<String>) -> Response {
    let Some(claims) = verify(&ctx, &token) else {
        return invalid_link(&ctx);
    };
    let sub = match ctx.db.subscriber_by_id(claims.subscriber_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    };
    let en = sub.language == "en";
    let body = if sub.status != "active" && sub.status != "pending" {
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
    Html(
        page(
            &ctx,
            &sub.language,
            if en { "Unsubscribe" } else { "Afmelden" },
            body,
        )
        .into_string(),
    )
    .into_response()
}

pub async fn confirm(
    State(ctx): State<Arc<Ctx>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let Some(claims) = verify(&ctx, &token) else {
        return invalid_link(&ctx);
    };
    // RFC 8058: the mail client posts `List-Unsubscribe=One-Click` (urlencoded or
    // multipart); our own page posts an empty form.
    let one_click = body.windows(26).any(|w| w == b"List-Unsubscribe=One-Click")
        || (contains(&body, b"List-Unsubscribe") && contains(&body, b"One-Click"));
    let source = if one_click { "one-click" } else { "page" };
    let issue = (claims.context > 0).then_some(claims.context);
    let sub = match ctx.db.subscriber_by_id(claims.subscriber_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    };
    if let Err(e) = ctx.db.unsubscribe(sub.id, source, issue, ctx.now()).await {
        return internal(&ctx, e);
    }
    tracing::info!(subscriber = sub.id, source, "unsubscribed");
    let en = sub.language == "en";
    // The question why comes only after the unsubscribe, and only on our own page.
    let reason_action = format!("{}/unsubscribe/{token}/reason", ctx.config.base_url());
    let body = unsubscribed_body(en, (!one_click).then_some(reason_action.as_str()));
    (
        StatusCode::OK,
        Html(
            page(
                &ctx,
                &sub.language,
                if en { "Unsubscribed" } else { "Afgemeld" },
                body,
            )
            .into_string(),
        ),
    )
        .into_response()
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
    State(ctx): State<Arc<Ctx>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let Some(claims) = verify(&ctx, &token) else {
        return invalid_link(&ctx);
    };
    let sub = match ctx.db.subscriber_by_id(claims.subscriber_id).await {
        Ok(Some(s)) => s,
        Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    };
    let mut choice = String::new();
    let mut text = String::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "reason" => choice = v.into_owned(),
            "other_text" => text = v.trim().chars().take(MAX_REASON_CHARS).collect(),
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
    if !reason.is_empty() && sub.status != "active" && sub.status != "pending" {
        if let Err(e) = ctx.db.set_unsubscribe_reason(sub.id, &reason).await {
            return internal(&ctx, e);
        }
    }
    let en = sub.language == "en";
    let body = html! {
        h1 { @if en { "Thank you" } @else { "Dank je wel" } }
        p { @if en { "Thank you for letting us know." } @else { "Bedankt dat je het ons laat weten." } }
    };
    Html(
        page(
            &ctx,
            &sub.language,
            if en { "Thank you" } else { "Dank je wel" },
            body,
        )
        .into_string(),
    )
    .into_response()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
