//! A subscriber's data behind the preferences link: download it as JSON,
//! or erase it (a GET asks, only a POST erases).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;

use super::AppState;
use super::error::AppError;
use super::page::respond;
use super::preferences::link;
use super::verified::{PreferencesLink, Verified};

/// The person's data as a JSON download. Changes nothing.
pub async fn data(
    State(s): State<AppState>,
    v: Verified<PreferencesLink>,
) -> Result<Response, AppError> {
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
            (header::CACHE_CONTROL, "no-store"),
        ],
        json,
    )
        .into_response())
}

/// Asks to confirm the erasure; changes nothing.
pub async fn erase_page(State(s): State<AppState>, v: Verified<PreferencesLink>) -> Response {
    let lang = v.subscriber.language;
    let en = lang.is_en();
    let body = html! {
        h1 { @if en { "Erase your data" } @else { "Je gegevens wissen" } }
        @if en {
            p { "We delete your subscription, your choices, your consent history and the record of the mails you received. This cannot be undone." }
            p { "Only a scrambled fingerprint of your address is kept, so that we never mail you again by accident." }
        } @else {
            p { "We verwijderen je aanmelding, je keuzes, je toestemmingsgeschiedenis en de lijst van mails die je kreeg. Dit kan niet ongedaan worden gemaakt." }
            p { "We bewaren alleen een onleesbare vingerafdruk van je adres, zodat we je nooit per ongeluk opnieuw mailen." }
        }
        form method="post" action=(link(&s, &v.token, "/erase")) {
            p { button type="submit" { @if en { "Yes, erase my data" } @else { "Ja, wis mijn gegevens" } } }
        }
        p { a href=(link(&s, &v.token, "")) { @if en { "No, back to my preferences" } @else { "Nee, terug naar mijn voorkeuren" } } }
    };
    let title = if en {
        "Erase your data"
    } else {
        "Gegevens wissen"
    };
    respond(&s, StatusCode::OK, lang, title, body)
}

pub async fn erase(
    State(s): State<AppState>,
    v: Verified<PreferencesLink>,
) -> Result<Response, AppError> {
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
