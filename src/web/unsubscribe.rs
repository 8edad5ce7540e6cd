//! `GET /unsubscribe/{token}` shows a button; `POST` unsubscribes at once.
//! A mail client's RFC 8058 one-click POST gets a plain 200: no redirect, no cookie.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::html;
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
    let body = html! {
        h1 { @if en { "You are unsubscribed" } @else { "Je bent afgemeld" } }
        p { @if en { "You will receive no more mail from us, starting now." } @else { "Vanaf nu ontvang je geen mail meer van ons." } }
    };
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

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
