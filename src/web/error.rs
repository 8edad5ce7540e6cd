//! One answer for every bad link: a plain 404 page that says what to do, and no detail.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use std::sync::Arc;

use super::page::page;
use crate::context::Ctx;

pub fn invalid_link(ctx: &Ctx) -> Response {
    let body = html! {
        h1 { "Deze link werkt niet" }
        p { "De link is onvolledig, verlopen of niet (meer) geldig. Gebruik de link uit de meest recente e-mail, of neem contact op met de redactie." }
        p lang="en" { "This link is incomplete, expired or no longer valid. Please use the link in the most recent e-mail." }
    };
    (
        StatusCode::NOT_FOUND,
        Html(page(ctx, "nl", "Link niet geldig", body).into_string()),
    )
        .into_response()
}

pub async fn not_found(State(ctx): State<Arc<Ctx>>) -> Response {
    let body = html! { h1 { "Pagina niet gevonden" } p { "Deze pagina bestaat niet." } };
    (
        StatusCode::NOT_FOUND,
        Html(page(&ctx, "nl", "Niet gevonden", body).into_string()),
    )
        .into_response()
}

/// Logs the cause and answers 500 without detail.
pub fn internal(ctx: &Ctx, e: anyhow::Error) -> Response {
    tracing::error!("request failed: {e:#}");
    let body =
        html! { h1 { "Er ging iets mis" } p { "Probeer het over een paar minuten opnieuw." } };
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Html(page(ctx, "nl", "Fout", body).into_string()),
    )
        .into_response()
}
