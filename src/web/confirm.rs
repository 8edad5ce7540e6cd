//! `GET /confirm/{token}` shows a button and changes nothing (mail scanners open
//! every link); `POST` confirms the subscription and records time and IP.
//! Links expire after [`CONFIRM_VALID_SECS`]; an expired one offers a new mail.
//! A link whose token names a held sign-up (an address that had unsubscribed
//! and signed up again) confirms that sign-up, once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::AppState;
use super::client::ClientIp;
use super::error::AppError;
use super::page::respond;
use super::subscribe::MAIL_WINDOW_SECS;
use super::verified::{ConfirmLink, Verified};
use crate::domain::subscriber::{Language, Status};
use crate::signup::{CONFIRM_VALID_SECS, SignupMail};

fn expired(s: &AppState, v: &Verified<ConfirmLink>) -> bool {
    s.now() - v.claims.issued_at > CONFIRM_VALID_SECS
}

/// The held sign-up a link confirms, when it still waits for that.
async fn waiting_request(s: &AppState, v: &Verified<ConfirmLink>) -> Result<bool, AppError> {
    let request = v.claims.context;
    Ok(request > 0 && s.db.signup_waits(request, v.subscriber.id).await?)
}

fn button() -> Markup {
    html! {
        h1 { "Bevestig je aanmelding" }
        p { "Druk op de knop om je aanmelding voor de nieuwsbrief te bevestigen." }
        form method="post" { button type="submit" { "Bevestig mijn aanmelding" } }
    }
}

fn over() -> Markup {
    html! {
        h1 { "Deze link is verlopen" }
        p { "Je hoeft niets meer te bevestigen. Wil je je opnieuw aanmelden? Gebruik dan het aanmeldformulier." }
    }
}

pub async fn show(
    State(s): State<AppState>,
    v: Verified<ConfirmLink>,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    let body = if v.claims.context > 0 {
        if !expired(&s, &v) && waiting_request(&s, &v).await? {
            button()
        } else {
            over()
        }
    } else {
        match (expired(&s, &v), sub.status) {
            (true, Status::Pending) => html! {
                h1 { "Deze link is verlopen" }
                p { "Bevestigingslinks zijn 7 dagen geldig. Wil je je aanmelding nog bevestigen? Vraag dan een nieuwe mail aan." }
                form method="post" action=(format!("/confirm/{}/resend", v.token)) {
                    button type="submit" { "Stuur me een nieuwe bevestigingsmail" }
                }
            },
            (true, _) => over(),
            (false, Status::Active) => {
                html! { h1 { "Je aanmelding is al bevestigd" } p { "Je ontvangt onze nieuwsbrief." } }
            }
            (false, _) => button(),
        }
    };
    Ok(respond(
        &s,
        StatusCode::OK,
        sub.language,
        "Aanmelding bevestigen",
        body,
    ))
}

pub async fn confirm(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    v: Verified<ConfirmLink>,
) -> Result<Response, AppError> {
    if expired(&s, &v) {
        return Err(AppError::InvalidLink);
    }
    let ip = ip.to_string();
    let request = v.claims.context;
    if request > 0 {
        let confirmed =
            s.db.confirm_signup_request(request, v.subscriber.id, &ip, s.now())
                .await?;
        if !confirmed {
            return Err(AppError::InvalidLink);
        }
    } else {
        s.db.confirm_subscriber(v.subscriber.id, &ip, s.now())
            .await?;
    }
    let body = html! {
        h1 { "Je aanmelding is bevestigd" }
        p { "Dank je wel. Je ontvangt voortaan het Platformnieuws." }
    };
    let lang =
        s.db.subscriber_by_id(v.subscriber.id)
            .await?
            .map_or(v.subscriber.language, |sub| sub.language);
    Ok(respond(&s, StatusCode::OK, lang, "Bevestigd", body))
}

/// `POST /confirm/{token}/resend`: an expired (but genuine) confirmation link of a
/// pending subscriber asks for a fresh mail; at most one per address per 10 minutes.
pub async fn resend(
    State(s): State<AppState>,
    v: Verified<ConfirmLink>,
) -> Result<Response, AppError> {
    let sub = v.subscriber;
    if sub.status != Status::Pending || v.claims.context > 0 {
        return Err(AppError::InvalidLink);
    }
    if s.db
        .claim_confirmation_mail(sub.id, s.now(), MAIL_WINDOW_SECS)
        .await?
    {
        let s2 = s.clone();
        tokio::spawn(async move {
            let sent = s2
                .signup
                .send(SignupMail::Confirm, sub.holder(), &sub.email, sub.language)
                .await;
            if let Err(e) = sent {
                tracing::error!(subscriber = sub.id, "new confirmation mail failed: {e:#}");
            }
        });
    } else {
        tracing::info!(
            subscriber = sub.id,
            "new confirmation mail held back: one was sent less than 10 minutes ago"
        );
    }
    let body = html! {
        h1 { "Kijk in je mailbox" }
        p { "We hebben je een nieuwe bevestigingsmail gestuurd (hooguit één per 10 minuten). De link daarin is 7 dagen geldig." }
    };
    Ok(respond(
        &s,
        StatusCode::OK,
        Language::Nl,
        "Nieuwe mail",
        body,
    ))
}
