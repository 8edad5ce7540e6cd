//! `GET /confirm/{token}` shows a button and changes nothing (mail scanners open
//! every link); `POST` confirms the subscription and records time and IP.
//! Links expire after [`CONFIRM_VALID_SECS`]; an expired one offers a new mail.
//! A link whose token names a held sign-up (an address that had unsubscribed
//! and signed up again) confirms that sign-up, once. A confirmation that
//! changed something is followed by the optional welcome mail. The pages are
//! in the subscriber's language.

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
use crate::domain::redact::redact_addresses;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::{Language, Status, Subscriber};
use crate::signup::{CONFIRM_VALID_SECS, SignupMail};

fn expired(s: &AppState, v: &Verified<ConfirmLink>) -> bool {
    s.now() - v.claims.issued_at > CONFIRM_VALID_SECS
}

/// The held sign-up a link confirms, when it still waits for that.
async fn waiting_request(s: &AppState, v: &Verified<ConfirmLink>) -> Result<bool, AppError> {
    let request = v.claims.context;
    Ok(request > 0 && s.db.signup_waits(request, v.subscriber.id).await?)
}

/// The texts of the confirmation pages in `lang`.
fn words(lang: Language) -> impl Fn(&str) -> String {
    super::page::words(lang, "pages.confirm")
}

fn button(lang: Language) -> Markup {
    let t = words(lang);
    html! {
        h1 { (t("heading")) }
        p { (t("text")) }
        form method="post" { button type="submit" { (t("button")) } }
    }
}

fn over(lang: Language) -> Markup {
    let t = words(lang);
    html! {
        h1 { (t("expired")) }
        p { (t("nothing_to_confirm")) }
    }
}

pub async fn show(
    State(s): State<AppState>,
    v: Verified<ConfirmLink>,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    let lang = sub.language;
    let t = words(lang);
    let body = if v.claims.context > 0 {
        if !expired(&s, &v) && waiting_request(&s, &v).await? {
            button(lang)
        } else {
            over(lang)
        }
    } else {
        match (expired(&s, &v), sub.status) {
            (true, Status::Pending) => html! {
                h1 { (t("expired")) }
                p { (t("expired_text")) }
                form method="post" action=(format!("/confirm/{}/resend", v.token)) {
                    button type="submit" { (t("resend_button")) }
                }
            },
            (true, _) => over(lang),
            (false, Status::Active) => {
                html! { h1 { (t("already")) } p { (t("already_text")) } }
            }
            (false, _) => button(lang),
        }
    };
    Ok(respond(&s, StatusCode::OK, lang, &t("title"), body))
}

/// Confirms, then (only when this request made the change, so a second
/// click or a replayed link sends nothing) the welcome goes out in the
/// background: the confirmation never waits for it nor fails with it.
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
    let confirmed = if request > 0 {
        let confirmed =
            s.db.confirm_signup_request(request, v.subscriber.id, &ip, s.now())
                .await?;
        if !confirmed {
            return Err(AppError::InvalidLink);
        }
        confirmed
    } else {
        s.db.confirm_subscriber(v.subscriber.id, &ip, s.now())
            .await?
    };
    // The held sign-up may have changed the language (and name).
    let sub =
        s.db.subscriber_by_id(v.subscriber.id)
            .await?
            .unwrap_or(v.subscriber);
    if confirmed {
        welcome_in_background(&s, &sub);
    }
    let t = words(sub.language);
    let body = html! {
        h1 { (t("done")) }
        p { (t("done_text")) }
    };
    Ok(respond(
        &s,
        StatusCode::OK,
        sub.language,
        &t("done_title"),
        body,
    ))
}

/// Sends the welcome mail (when `mjml/welcome.mjml` exists) without
/// holding up the answer; the log names the subscriber, not the address.
fn welcome_in_background(s: &AppState, sub: &Subscriber) {
    if !s.signup.welcomes() {
        return;
    }
    let s = s.clone();
    let (id, holder, email, name, lang) = (
        sub.id,
        sub.holder(),
        sub.email.clone(),
        sub.name.clone(),
        sub.language,
    );
    tokio::spawn(async move {
        match s.signup.welcome(holder, &email, &name, lang).await {
            Ok(Some(Outcome::Sent(_))) => tracing::info!(subscriber = id, "welcome mail sent"),
            Ok(Some(other)) => tracing::warn!(
                subscriber = id,
                "welcome mail not delivered: {}",
                redact_addresses(other.reply())
            ),
            Ok(None) => {}
            Err(e) => tracing::error!(
                subscriber = id,
                "welcome mail failed: {}",
                redact_addresses(&format!("{e:#}"))
            ),
        }
    });
}

/// `POST /confirm/{token}/resend`: an expired (but genuine) confirmation link of a
/// pending subscriber asks for a fresh mail; at most one per address per 10 minutes.
pub async fn resend(
    State(s): State<AppState>,
    v: Verified<ConfirmLink>,
) -> Result<Response, AppError> {
    let sub = v.subscriber;
    let lang = sub.language;
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
    let t = words(lang);
    let body = html! {
        h1 { (t("resent")) }
        p { (t("resent_text")) }
    };
    Ok(respond(&s, StatusCode::OK, lang, &t("resent_title"), body))
}
