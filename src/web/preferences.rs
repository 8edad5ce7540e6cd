//! The preference centre behind `/preferences/{token}`: change name, workshops,
//! interests, reminders, the weekly agenda digest and language; unsubscribe;
//! ask for a link to one's data; revoke every older link (`privacy`).
//! A GET only shows; every change is a POST. maud escapes every typed value.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

use super::AppState;
use super::client::ClientIp;
use super::error::AppError;
use super::forms::PreferencesForm;
use super::page::respond;
use super::unsubscribe::unsubscribed_body;
use super::verified::{PreferencesLink, Verified};
use crate::domain::segments::SegmentKind;
use crate::domain::subscriber::{Choices, Subscriber, UnsubscribeSource};
use crate::storage::privacy::Preferences;

/// A page under this subscriber's preferences link.
pub fn link(s: &AppState, token: &str, rest: &str) -> String {
    s.links.page(&format!("/preferences/{token}{rest}"))
}

pub async fn show(State(s): State<AppState>, v: Verified<PreferencesLink>) -> Response {
    form_page(&s, &v.token, &v.subscriber, None)
}

/// The preference form, with an optional notice above it.
fn form_page(s: &AppState, token: &str, sub: &Subscriber, notice: Option<&str>) -> Response {
    let title = if sub.language.is_en() {
        "Your preferences"
    } else {
        "Je voorkeuren"
    };
    respond(
        s,
        StatusCode::OK,
        sub.language,
        title,
        form(s, token, sub, notice),
    )
}

/// The form with the subscriber's current choices ticked.
fn form(s: &AppState, token: &str, sub: &Subscriber, notice: Option<&str>) -> Markup {
    let en = sub.language.is_en();
    let subscribed = sub.status.is_subscribed();
    let follows = |kind: SegmentKind, slug: &str| match kind {
        SegmentKind::Workshop => sub.segments.workshops().iter().any(|w| w.as_str() == slug),
        SegmentKind::Interest => sub.segments.interests().iter().any(|i| i.as_str() == slug),
    };
    html! {
        h1 { @if en { "Your preferences" } @else { "Je voorkeuren" } }
        @if let Some(n) = notice {
            p role="status" { strong { (n) } }
        }
        @if !subscribed {
            p { @if en { "You are unsubscribed: you receive no mail from us." } @else { "Je bent afgemeld: je ontvangt geen mail van ons." } }
        }
        form method="post" action=(link(s, token, "")) {
            p {
                label for="name" { @if en { "Name" } @else { "Naam" } }
                br;
                input type="text" id="name" name="name" value=(sub.name.as_str()) maxlength=(crate::domain::name::SubscriberName::MAX_CHARS) autocomplete="name";
            }
            @if !s.config.workshops.is_empty() {
                fieldset {
                    legend { @if en { "Workshops" } @else { "Werkplaatsen" } }
                    @for w in &s.config.workshops {
                        @let id = format!("workshop-{}", w.slug);
                        div {
                            input type="checkbox" id=(id) name="workshops" value=(w.slug.as_str()) checked[follows(SegmentKind::Workshop, w.slug.as_str())];
                            " "
                            label for=(id) { (w.name) }
                        }
                    }
                }
            }
            @if !s.config.interests.is_empty() {
                fieldset {
                    legend { @if en { "Interests" } @else { "Interesses" } }
                    @for i in &s.config.interests {
                        @let id = format!("interest-{}", i.slug);
                        div {
                            input type="checkbox" id=(id) name="interests" value=(i.slug.as_str()) checked[follows(SegmentKind::Interest, i.slug.as_str())];
                            " "
                            label for=(id) { (i.name) }
                        }
                    }
                }
            }
            // Both choices are about the agenda, so they share one group.
            fieldset {
                legend { "Agenda" }
                div {
                    input type="checkbox" id="reminders" name="reminders" value="on" checked[sub.reminders];
                    " "
                    label for="reminders" { @if en { "Send me reminders for agenda items" } @else { "Stuur me herinneringen voor agenda-items" } }
                }
                div {
                    input type="checkbox" id="digest" name="digest" value="on" checked[sub.digest];
                    " "
                    label for="digest" { @if en { "Send me a weekly overview of upcoming meetings in my workshops and themes" } @else { "Stuur me elke maandag een overzicht van de bijeenkomsten in mijn werkplaatsen en thema's" } }
                }
            }
            fieldset {
                legend { @if en { "Language" } @else { "Taal" } }
                div {
                    input type="radio" id="language-nl" name="language" value="nl" checked[!sub.language.is_en()];
                    " "
                    label for="language-nl" lang="nl" { "Nederlands" }
                }
                div {
                    input type="radio" id="language-en" name="language" value="en" checked[sub.language.is_en()];
                    " "
                    label for="language-en" lang="en" { "English" }
                }
            }
            p { button type="submit" { @if en { "Save" } @else { "Opslaan" } } }
        }
        @if subscribed {
            section {
                h2 { @if en { "Unsubscribe" } @else { "Afmelden" } }
                form method="post" action=(link(s, token, "/unsubscribe")) {
                    button type="submit" { @if en { "Unsubscribe" } @else { "Afmelden" } }
                }
            }
        }
        section {
            h2 { @if en { "Your data" } @else { "Je gegevens" } }
            p { @if en { "To download or erase your data, we mail a link to your address that works for " (s.config.limits.data_link_hours) " hours: this page's link is in every newsletter, also in forwarded ones." } @else { "Om je gegevens te downloaden of te wissen, mailen we een link naar je adres die " (s.config.limits.data_link_hours) " uur werkt: de link van deze pagina staat in elke nieuwsbrief, ook in doorgestuurde." } }
            form method="post" action=(link(s, token, "/data-link")) {
                p { button type="submit" { @if en { "Mail me a link to my data" } @else { "Mail me een link naar mijn gegevens" } } }
            }
        }
        section {
            h2 { @if en { "Forwarded a newsletter?" } @else { "Een nieuwsbrief doorgestuurd?" } }
            p { @if en { "Anyone with a copy can open this page. Make every earlier link stop working; we mail you a new one." } @else { "Wie een kopie heeft, kan deze pagina openen. Laat alle eerdere links ophouden met werken; we mailen je een nieuwe." } }
            form method="post" action=(link(s, token, "/revoke")) {
                p { button type="submit" { @if en { "Revoke all my links" } @else { "Trek al mijn links in" } } }
            }
        }
    }
}

pub async fn save(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    v: Verified<PreferencesLink>,
    body: Bytes,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    let lang = sub.language;
    let form = PreferencesForm::parse(&body);
    let choices = match Choices::parse(&form.choices(lang.as_str()), &s.config.catalogue()) {
        Ok(c) => c,
        Err(errors) => {
            let en = lang.is_en();
            let body = html! {
                h1 { @if en { "Your preferences were not saved" } @else { "Je voorkeuren zijn niet opgeslagen" } }
                @for e in &errors { p { (e.message(lang)) } }
                p { @if en { "Nothing was changed." } @else { "Er is niets gewijzigd." } }
                p { a href=(link(&s, &v.token, "")) { @if en { "Back to your preferences" } @else { "Terug naar je voorkeuren" } } }
            };
            let title = if en { "Not saved" } else { "Niet opgeslagen" };
            return Ok(respond(&s, StatusCode::BAD_REQUEST, lang, title, body));
        }
    };
    let prefs = Preferences {
        choices,
        digest: form.digest,
    };
    s.db.update_preferences(sub.id, &prefs, &ip.to_string(), s.now())
        .await?;
    tracing::info!(subscriber = sub.id, "preferences saved");
    let sub =
        s.db.subscriber_by_id(sub.id)
            .await?
            .ok_or(AppError::InvalidLink)?;
    let notice = if sub.language.is_en() {
        "Your preferences have been saved."
    } else {
        "Je voorkeuren zijn opgeslagen."
    };
    Ok(form_page(&s, &v.token, &sub, Some(notice)))
}

pub async fn unsubscribe(
    State(s): State<AppState>,
    v: Verified<PreferencesLink>,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    s.db.unsubscribe(sub.id, UnsubscribeSource::Preferences, None, s.now())
        .await?;
    tracing::info!(subscriber = sub.id, source = "preferences", "unsubscribed");
    let en = sub.language.is_en();
    let reason_action = format!("{}/reason", s.links.unsubscribe(sub.holder(), 0));
    Ok(respond(
        &s,
        StatusCode::OK,
        sub.language,
        if en { "Unsubscribed" } else { "Afgemeld" },
        unsubscribed_body(en, Some(&reason_action)),
    ))
}
