//! `GET /archive` lists the issues that went out; `GET /archive/{slug}` shows one
//! as it was sent, with every section and no personal data.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use std::sync::Arc;

use super::error::{internal, not_found};
use super::page::page;
use crate::context::Ctx;
use crate::render::MergeValues;

pub async fn index(State(ctx): State<Arc<Ctx>>) -> Response {
    let issues = match ctx.db.sent_issues().await {
        Ok(i) => i,
        Err(e) => return internal(&ctx, e),
    };
    let body = html! {
        h1 { "Archief" }
        @if issues.is_empty() { p { "Er zijn nog geen nieuwsbrieven verstuurd." } }
        ul.issues {
            @for i in &issues {
                li { a href=(format!("/archive/{}", i.slug)) { (i.subject) } }
            }
        }
    };
    Html(page(&ctx, "nl", "Archief", body).into_string()).into_response()
}

pub async fn show(State(ctx): State<Arc<Ctx>>, Path(slug): Path<String>) -> Response {
    let row = match ctx.db.issue_by_slug(&slug).await {
        Ok(Some(r)) if r.status().is_frozen() => r,
        Ok(_) => return not_found(State(ctx)).await,
        Err(e) => return internal(&ctx, e),
    };
    let renderer = match ctx.renderer(&row.file, &row.source) {
        Ok(r) => r,
        Err(d) => {
            return internal(
                &ctx,
                anyhow::anyhow!("archived issue no longer parses: {:?}", d),
            );
        }
    };
    let variant = match renderer.variant(&renderer.issue.full_key()) {
        Ok(v) => v,
        Err(d) => return internal(&ctx, anyhow::anyhow!("{d}")),
    };
    let base = ctx.config.base_url();
    let values = MergeValues {
        name: "lezer".into(),
        preferences_url: format!("{base}/"),
        unsubscribe_url: format!("{base}/"),
        archive_url: format!("{base}/archive/{slug}"),
    };
    Html(variant.personalise(&values).0).into_response()
}
