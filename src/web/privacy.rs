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
use crate::domain::subscriber::Subscriber;
use crate::signup::SignupMail;

/// The person's data as a JSON download. Changes nothing.
pub async fn data(State(s): State<AppState>, v: Verified<DataLink>) -> Result<Response, AppError> {
    let data =
        s.db.personal_data(v.subscriber.id)
            .await?
            .ok_or(AppError::InvalidLink)?;
    let json = serde_json::to_string_pretty(&data).map_err(anyhow::Error::from)?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mijn-gegevens.json\"",
            ),
        ],
        json,
    )
        .into_response())
}

/// Asks to confirm the erasure; changes nothing.
pub async fn erase_page(State(s): State<AppState>, v: Verified<DataLink>) -> Response {
    let lang = v.subscriber.language;
    let en = lang.is_en();
    let action = s.links.page(&format!("/preferences/{}/erase", v.token));
    let body = html! {
        h1 { @if en { "Erase your data" } @else { "Je gegevens wissen" } }
        @if en {
            p { "We delete your subscription, your choices, your consent history and the record of the mails you received. This cannot be undone." }
            p { "Only a scrambled fingerprint of your address is kept, so that we never mail you again by accident." }
        } @else {
            p { "We verwijderen je aanmelding, je keuzes, je toestemmingsgeschiedenis en de lijst van mails die je kreeg. Dit kan niet ongedaan worden gemaakt." }
            p { "We bewaren alleen een onleesbare vingerafdruk van je adres, zodat we je nooit per ongeluk opnieuw mailen." }
        }
        form method="post" action=(action) {
            p { button type="submit" { @if en { "Yes, erase my data" } @else { "Ja, wis mijn gegevens" } } }
        }
        p { @if en { "Changed your mind? Close this page: nothing is erased." } @else { "Toch niet? Sluit deze pagina: er wordt niets gewist." } }
    };
    let title = if en {
        "Erase your data"
    } else {
        "Gegevens wissen"
    };
    respond(&s, StatusCode::OK, lang, title, body)
}

/// Erases. The row goes, so the same link cannot be used again.
pub async fn erase(State(s): State<AppState>, v: Verified<DataLink>) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    s.db.erase_subscriber(sub.id, s.now())
        .await?
        .ok_or(AppError::InvalidLink)?;
    tracing::info!(subscriber = sub.id, "subscriber erased on request");
    let en = sub.language.is_en();
    let body = html! {
        h1 { @if en { "Your data has been erased" } @else { "Je gegevens zijn gewist" } }
        p { @if en { "You will receive no more mail from us." } @else { "Je ontvangt geen mail meer van ons." } }
    };
    let title = if en { "Erased" } else { "Gewist" };
    Ok(respond(&s, StatusCode::OK, sub.language, title, body))
}

/// `POST /preferences/{token}/data-link`: mails the data link, at most one
/// mail from the web pages per address per 10 minutes.
pub async fn request_data_link(
    State(s): State<AppState>,
    v: Verified<PreferencesLink>,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    let en = sub.language.is_en();
    let hours = s.config.limits.data_link_hours;
    let body = if !s
        .db
        .claim_confirmation_mail(sub.id, s.now(), MAIL_WINDOW_SECS)
        .await?
    {
        html! {
            h1 { @if en { "Check your mailbox" } @else { "Kijk in je mailbox" } }
            p { @if en { "We sent you an e-mail less than 10 minutes ago. Please use the link in it, or try again later." } @else { "We hebben je minder dan 10 minuten geleden al een e-mail gestuurd. Gebruik de link daarin, of probeer het later opnieuw." } }
        }
    } else if send(&s, SignupMail::DataLink, sub, sub.holder()).await {
        html! {
            h1 { @if en { "Check your mailbox" } @else { "Kijk in je mailbox" } }
            p { @if en { "We sent a link to download or erase your data to your e-mail address. It works for " (hours) " hours." } @else { "We hebben een link om je gegevens te downloaden of te wissen naar je e-mailadres gestuurd. Hij werkt " (hours) " uur." } }
        }
    } else {
        not_sent(en)
    };
    let back = html! { p { a href=(link(&s, &v.token, "")) { @if en { "Back to your preferences" } @else { "Terug naar je voorkeuren" } } } };
    let title = if en { "Your data" } else { "Je gegevens" };
    Ok(respond(
        &s,
        StatusCode::OK,
        sub.language,
        title,
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
    let en = sub.language.is_en();
    let sent = send(&s, SignupMail::NewLinks, sub, holder).await;
    let body = html! {
        h1 { @if en { "Your old links no longer work" } @else { "Je oude links werken niet meer" } }
        p { @if en { "Every earlier link to your subscription has stopped working, also this page's and those in forwarded e-mails." } @else { "Alle eerdere links naar je aanmelding werken niet meer, ook die van deze pagina en die in doorgestuurde e-mails." } }
        @if sent {
            p { @if en { "We sent your new link to your e-mail address." } @else { "We hebben je nieuwe link naar je e-mailadres gestuurd." } }
        } @else {
            (not_sent(en))
        }
    };
    let title = if en {
        "Links revoked"
    } else {
        "Links ingetrokken"
    };
    Ok(respond(&s, StatusCode::OK, sub.language, title, body))
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

fn not_sent(en: bool) -> Markup {
    html! {
        p role="alert" { @if en { "We could not send the e-mail just now. Please try again in a while; the next newsletter also carries a working link." } @else { "We konden de e-mail nu niet versturen. Probeer het straks opnieuw; de volgende nieuwsbrief bevat ook een werkende link." } }
    }
}
