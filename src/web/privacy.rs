//! A subscriber's data and links. The preferences link, which is in every
//! mail and so in every forwarded one, only asks for a short-lived data link
//! by mail (`limits.data_link_hours`) or revokes every older link; the data
//! link downloads the data as JSON or erases it (a GET asks, only a POST
//! erases, and then the link names nobody any more).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::AppState;
use super::error::AppError;
use super::page::respond;
use super::preferences::link;
use super::subscribe::MAIL_WINDOW_SECS;
use super::verified::{DataLink, PreferencesLink, Verified};
use crate::domain::links::Holder;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::{Language, Subscriber};
use crate::domain::texts::tr;
use crate::signup::SignupMail;

/// The texts of these pages in `lang`.
fn words(lang: Language) -> impl Fn(&str) -> String {
    super::page::words(lang, "pages.privacy")
}

/// The person's data as a JSON download. Changes nothing.
pub async fn data(State(s): State<AppState>, v: Verified<DataLink>) -> Result<Response, AppError> {
    let data =
        s.db.personal_data(v.subscriber.id)
            .await?
            .ok_or(AppError::InvalidLink)?;
    let json = serde_json::to_string_pretty(&data).map_err(anyhow::Error::from)?;
    let file = words(v.subscriber.language)("data_file");
    let disposition = format!("attachment; filename=\"{file}\"");
    Ok((
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        json,
    )
        .into_response())
}

/// Asks to confirm the erasure; changes nothing.
pub async fn erase_page(State(s): State<AppState>, v: Verified<DataLink>) -> Response {
    let lang = v.subscriber.language;
    let t = words(lang);
    let action = s.links.page(&format!("/preferences/{}/erase", v.token));
    let body = html! {
        h1 { (t("erase")) }
        p { (t("erase_what")) }
        p { (t("erase_kept")) }
        form method="post" action=(action) {
            p { button type="submit" { (t("erase_button")) } }
        }
        p { (t("erase_cancel")) }
    };
    respond(&s, StatusCode::OK, lang, &t("erase_title"), body)
}

/// Erases. The row goes, so the same link cannot be used again.
pub async fn erase(State(s): State<AppState>, v: Verified<DataLink>) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    s.db.erase_subscriber(sub.id, s.now())
        .await?
        .ok_or(AppError::InvalidLink)?;
    tracing::info!(subscriber = sub.id, "subscriber erased on request");
    let t = words(sub.language);
    let body = html! {
        h1 { (t("erased")) }
        p { (t("erased_text")) }
    };
    Ok(respond(
        &s,
        StatusCode::OK,
        sub.language,
        &t("erased_title"),
        body,
    ))
}

/// `POST /preferences/{token}/data-link`: mails the data link, at most one
/// mail from the web pages per address per 10 minutes.
pub async fn request_data_link(
    State(s): State<AppState>,
    v: Verified<PreferencesLink>,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    let lang = sub.language;
    let t = words(lang);
    let hours = s.config.limits.data_link_hours;
    let body = if !s
        .db
        .claim_confirmation_mail(sub.id, s.now(), MAIL_WINDOW_SECS)
        .await?
    {
        html! {
            h1 { (t("check_mailbox")) }
            p { (t("throttled")) }
        }
    } else if send(&s, SignupMail::DataLink, sub, sub.holder()).await {
        html! {
            h1 { (t("check_mailbox")) }
            p { (tr!(lang, "pages.privacy.data_sent", hours = hours)) }
        }
    } else {
        not_sent(lang)
    };
    let back = html! { p { a href=(link(&s, &v.token, "")) { (t("back")) } } };
    Ok(respond(
        &s,
        StatusCode::OK,
        lang,
        &t("data_title"),
        html! { (body) (back) },
    ))
}

/// `POST /preferences/{token}/revoke`: every link made before stops working,
/// this one too; the new preferences link goes to the address by mail.
pub async fn revoke(
    State(s): State<AppState>,
    v: Verified<PreferencesLink>,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    let holder =
        s.db.revoke_links(sub.id)
            .await?
            .ok_or(AppError::InvalidLink)?;
    tracing::info!(subscriber = sub.id, "every older link revoked on request");
    let t = words(sub.language);
    let sent = send(&s, SignupMail::NewLinks, sub, holder).await;
    let body = html! {
        h1 { (t("revoked")) }
        p { (t("revoked_text")) }
        @if sent {
            p { (t("revoked_sent")) }
        } @else {
            (not_sent(sub.language))
        }
    };
    Ok(respond(
        &s,
        StatusCode::OK,
        sub.language,
        &t("revoked_title"),
        body,
    ))
}

/// Sends `mail` now; false (logged) when it did not leave.
async fn send(s: &AppState, mail: SignupMail, sub: &Subscriber, holder: Holder) -> bool {
    match s.signup.send(mail, holder, &sub.email, sub.language).await {
        Ok(Outcome::Sent(_)) => true,
        Ok(_) => {
            tracing::warn!(
                subscriber = sub.id,
                ?mail,
                "mail refused by the mail server"
            );
            false
        }
        Err(e) => {
            tracing::error!(subscriber = sub.id, ?mail, "mail not made: {e:#}");
            false
        }
    }
}

fn not_sent(lang: Language) -> Markup {
    html! {
        p role="alert" { (words(lang)("not_sent")) }
    }
}
