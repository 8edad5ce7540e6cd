//! `GET /confirm/{token}` shows a button and changes nothing (mail scanners open
//! every link); `POST` confirms the subscription and records time and IP.

use axum::extract::{ConnectInfo, Path, State};
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use std::net::SocketAddr;
use std::sync::Arc;

use super::error::{internal, invalid_link};
use super::page::page;
use crate::confirmation::CONFIRM_VALID_SECS;
use crate::context::Ctx;
use crate::domain::token::{Claims, Purpose};
use crate::storage::subscribers::SubscriberRow;

enum Link {
    Valid(Claims, SubscriberRow),
    Expired(SubscriberRow),
}

async fn check(ctx: &Ctx, token: &str) -> Result<Option<Link>, anyhow::Error> {
    let Some(claims) = ctx.signer.verify(token, Purpose::Confirm) else {
        return Ok(None);
    };
    let Some(sub) = ctx.db.subscriber_by_id(claims.subscriber_id).await? else {
        return Ok(None);
    };
    if ctx.now() - claims.issued_at > CONFIRM_VALID_SECS {
        return Ok(Some(Link::Expired(sub)));
    }
    Ok(Some(Link::Valid(claims, sub)))
}

pub async fn show(State(ctx): State<Arc<Ctx>>, Path(token): Path<String>) -> Response {
    let link = match check(&ctx, &token).await {
        Ok(Some(l)) => l,
        Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    };
    let (sub, body) = match link {
        Link::Expired(sub) if sub.status == "pending" => {
            let body = html! {
                h1 { "Deze link is verlopen" }
                p { "Bevestigingslinks zijn 7 dagen geldig. Wil je je aanmelding nog bevestigen? Vraag dan een nieuwe mail aan." }
                form method="post" action=(format!("/confirm/{token}/resend")) {
                    button type="submit" { "Stuur me een nieuwe bevestigingsmail" }
                }
            };
            (sub, body)
        }
        Link::Expired(sub) => {
            let body = html! {
                h1 { "Deze link is verlopen" }
                p { "Je hoeft niets meer te bevestigen." }
            };
            (sub, body)
        }
        Link::Valid(_, sub) if sub.status == "active" => {
            let body = html! { h1 { "Je aanmelding is al bevestigd" } p { "Je ontvangt onze nieuwsbrief." } };
            (sub, body)
        }
        Link::Valid(_, sub) => {
            let body = html! {
                h1 { "Bevestig je aanmelding" }
                p { "Druk op de knop om je aanmelding voor de nieuwsbrief te bevestigen." }
                form method="post" { button type="submit" { "Bevestig mijn aanmelding" } }
            };
            (sub, body)
        }
    };
    Html(page(&ctx, &sub.language, "Aanmelding bevestigen", body).into_string()).into_response()
}

pub async fn confirm(
    State(ctx): State<Arc<Ctx>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
) -> Response {
    let (claims, sub) = match check(&ctx, &token).await {
        Ok(Some(Link::Valid(c, s))) => (c, s),
        Ok(Some(Link::Expired(_))) | Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    };
    match ctx
        .db
        .confirm_subscriber(claims.subscriber_id, &peer.ip().to_string(), ctx.now())
        .await
    {
        Ok(_) => {}
        Err(e) => return internal(&ctx, e),
    }
    let body = html! {
        h1 { "Je aanmelding is bevestigd" }
        p { "Dank je wel. Je ontvangt voortaan het Platformnieuws." }
    };
    Html(page(&ctx, &sub.language, "Bevestigd", body).into_string()).into_response()
}

/// `POST /confirm/{token}/resend`: an expired (but genuine) confirmation link of a
/// pending subscriber asks for a fresh mail; at most one per address per 10 minutes.
pub async fn resend(State(ctx): State<Arc<Ctx>>, Path(token): Path<String>) -> Response {
    let sub = match check(&ctx, &token).await {
        Ok(Some(Link::Expired(s) | Link::Valid(_, s))) if s.status == "pending" => s,
        Ok(Some(_)) | Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    };
    match ctx
        .db
        .claim_confirmation_mail(sub.id, ctx.now(), crate::web::subscribe::MAIL_WINDOW_SECS)
        .await
    {
        Ok(true) => {
            let ctx2 = Arc::clone(&ctx);
            tokio::spawn(async move {
                if let Err(e) = crate::confirmation::send_confirmation(
                    &ctx2,
                    sub.id,
                    &sub.email,
                    &sub.name,
                    &sub.language,
                )
                .await
                {
                    tracing::error!(subscriber = sub.id, "new confirmation mail failed: {e:#}");
                }
            });
        }
        Ok(false) => tracing::info!(
            subscriber = sub.id,
            "new confirmation mail held back: one was sent less than 10 minutes ago"
        ),
        Err(e) => return internal(&ctx, e),
    }
    let body = html! {
        h1 { "Kijk in je mailbox" }
        p { "We hebben je een nieuwe bevestigingsmail gestuurd (hooguit één per 10 minuten). De link daarin is 7 dagen geldig." }
    };
    Html(page(&ctx, "nl", "Nieuwe mail", body).into_string()).into_response()
}
