//! The preference centre behind `/preferences/{token}`: change name, workshops,
//! interests, reminders, the weekly agenda digest and language; unsubscribe;
//! download or erase one's data.
//! A GET only shows; every change is a POST. maud escapes every typed value.

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use std::net::SocketAddr;
use std::sync::Arc;

use super::error::{internal, invalid_link};
use super::page::page;
use super::unsubscribe::unsubscribed_body;
use crate::context::Ctx;
use crate::domain::subscriber::{Language, Segments};
use crate::domain::token::Purpose;
use crate::storage::privacy::Preferences;
use crate::storage::subscribers::SubscriberRow;

/// The longest name the form accepts, as on the command line.
const MAX_NAME_CHARS: usize = 200;

/// The subscriber a preferences token names, or the answer to give instead.
async fn subscriber(ctx: &Ctx, token: &str) -> Result<SubscriberRow, Response> {
    let Some(claims) = ctx.signer.verify(token, Purpose::Preferences) else {
        return Err(invalid_link(ctx));
    };
    match ctx.db.subscriber_by_id(claims.subscriber_id).await {
        Ok(Some(s)) => Ok(s),
        Ok(None) => Err(invalid_link(ctx)),
        Err(e) => Err(internal(ctx, e)),
    }
}

fn link(ctx: &Ctx, token: &str, rest: &str) -> String {
    format!("{}/preferences/{token}{rest}", ctx.config.base_url())
}

fn html_page(ctx: &Ctx, lang: &str, title: &str, status: StatusCode, body: Markup) -> Response {
    (status, Html(page(ctx, lang, title, body).into_string())).into_response()
}

pub async fn show(State(ctx): State<Arc<Ctx>>, Path(token): Path<String>) -> Response {
    let sub = match subscriber(&ctx, &token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    form_page(&ctx, &token, &sub, None)
}

/// The preference form, with an optional notice above it.
fn form_page(ctx: &Ctx, token: &str, sub: &SubscriberRow, notice: Option<&str>) -> Response {
    let title = if sub.language == "en" {
        "Your preferences"
    } else {
        "Je voorkeuren"
    };
    html_page(
        ctx,
        &sub.language,
        title,
        StatusCode::OK,
        form(ctx, token, sub, notice),
    )
}

/// The form with the subscriber's current choices ticked.
fn form(ctx: &Ctx, token: &str, sub: &SubscriberRow, notice: Option<&str>) -> Markup {
    let en = sub.language == "en";
    let subscribed = sub.status == "active" || sub.status == "pending";
    html! {
        h1 { @if en { "Your preferences" } @else { "Je voorkeuren" } }
        @if let Some(n) = notice {
            p role="status" { strong { (n) } }
        }
        @if !subscribed {
            p { @if en { "You are unsubscribed: you receive no mail from us." } @else { "Je bent afgemeld: je ontvangt geen mail van ons." } }
        }
        form method="post" action=(link(ctx, token, "")) {
            p {
                label for="name" { @if en { "Name" } @else { "Naam" } }
                br;
                input type="text" id="name" name="name" value=(sub.name) maxlength="200" autocomplete="name";
            }
            @if !ctx.config.workshops.is_empty() {
                fieldset {
                    legend { @if en { "Workshops" } @else { "Werkplaatsen" } }
                    @for w in &ctx.config.workshops {
                        @let id = format!("workshop-{}", w.slug);
                        div {
                            input type="checkbox" id=(id) name="workshops" value=(w.slug) checked[sub.workshops.contains(&w.slug)];
                            " "
                            label for=(id) { (w.name) }
                        }
                    }
                }
            }
            @if !ctx.config.interests.is_empty() {
                fieldset {
                    legend { @if en { "Interests" } @else { "Interesses" } }
                    @for i in &ctx.config.interests {
                        @let id = format!("interest-{}", i.slug);
                        div {
                            input type="checkbox" id=(id) name="interests" value=(i.slug) checked[sub.interests.contains(&i.slug)];
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
                    input type="radio" id="language-nl" name="language" value="nl" checked[sub.language != "en"];
                    " "
                    label for="language-nl" lang="nl" { "Nederlands" }
                }
                div {
                    input type="radio" id="language-en" name="language" value="en" checked[sub.language == "en"];
                    " "
                    label for="language-en" lang="en" { "English" }
                }
            }
            p { button type="submit" { @if en { "Save" } @else { "Opslaan" } } }
        }
        @if subscribed {
            section {
                h2 { @if en { "Unsubscribe" } @else { "Afmelden" } }
                form method="post" action=(link(ctx, token, "/unsubscribe")) {
                    button type="submit" { @if en { "Unsubscribe" } @else { "Afmelden" } }
                }
            }
        }
        section {
            h2 { @if en { "Your data" } @else { "Je gegevens" } }
            form method="get" action=(link(ctx, token, "/data")) {
                p { button type="submit" { @if en { "Download my data (JSON)" } @else { "Download mijn gegevens (JSON)" } } }
            }
            form method="get" action=(link(ctx, token, "/erase")) {
                p { button type="submit" { @if en { "Erase my data" } @else { "Wis mijn gegevens" } } }
            }
        }
    }
}

/// The fields of the form, with the same names as the subscribe form.
struct Submitted {
    name: String,
    workshops: Vec<String>,
    interests: Vec<String>,
    reminders: bool,
    digest: bool,
    language: Option<String>,
}

fn parse(body: &[u8]) -> Submitted {
    let mut s = Submitted {
        name: String::new(),
        workshops: Vec::new(),
        interests: Vec::new(),
        reminders: false,
        digest: false,
        language: None,
    };
    for (k, v) in url::form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "name" => s.name = v,
            "workshops" if !s.workshops.contains(&v) => s.workshops.push(v),
            "interests" if !s.interests.contains(&v) => s.interests.push(v),
            "reminders" => s.reminders = v == "on",
            "digest" => s.digest = v == "on",
            "language" => s.language = Some(v),
            _ => {}
        }
    }
    s
}

/// Checks the submitted choices against the configuration; the message names the bad value.
fn validate(ctx: &Ctx, s: Submitted, current: &str, en: bool) -> Result<Preferences, String> {
    for w in &s.workshops {
        if !ctx.config.is_workshop(w) {
            return Err(if en {
                format!("Unknown workshop: “{w}”.")
            } else {
                format!("Onbekende werkplaats: “{w}”.")
            });
        }
    }
    for i in &s.interests {
        if !ctx.config.is_interest(i) {
            return Err(if en {
                format!("Unknown interest: “{i}”.")
            } else {
                format!("Onbekende interesse: “{i}”.")
            });
        }
    }
    let language = match s.language.as_deref().unwrap_or(current) {
        "nl" => Language::Nl,
        "en" => Language::En,
        other => {
            return Err(if en {
                format!("Unknown language: “{other}”; choose nl or en.")
            } else {
                format!("Onbekende taal: “{other}”; kies nl of en.")
            });
        }
    };
    if s.name.trim().chars().count() > MAX_NAME_CHARS {
        return Err(if en {
            format!("The name is longer than {MAX_NAME_CHARS} characters.")
        } else {
            format!("De naam is langer dan {MAX_NAME_CHARS} tekens.")
        });
    }
    Ok(Preferences {
        name: s.name.trim().to_string(),
        segments: Segments {
            workshops: s.workshops,
            interests: s.interests,
        },
        reminders: s.reminders,
        digest: s.digest,
        language,
    })
}

pub async fn save(
    State(ctx): State<Arc<Ctx>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let sub = match subscriber(&ctx, &token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let en = sub.language == "en";
    let prefs = match validate(&ctx, parse(&body), &sub.language, en) {
        Ok(p) => p,
        Err(message) => {
            let body = html! {
                h1 { @if en { "Your preferences were not saved" } @else { "Je voorkeuren zijn niet opgeslagen" } }
                p { (message) }
                p { @if en { "Nothing was changed." } @else { "Er is niets gewijzigd." } }
                p { a href=(link(&ctx, &token, "")) { @if en { "Back to your preferences" } @else { "Terug naar je voorkeuren" } } }
            };
            return html_page(
                &ctx,
                &sub.language,
                if en { "Not saved" } else { "Niet opgeslagen" },
                StatusCode::BAD_REQUEST,
                body,
            );
        }
    };
    if let Err(e) = ctx
        .db
        .update_preferences(sub.id, &prefs, &peer.ip().to_string(), ctx.now())
        .await
    {
        return internal(&ctx, e);
    }
    tracing::info!(subscriber = sub.id, "preferences saved");
    let sub = match ctx.db.subscriber_by_id(sub.id).await {
        Ok(Some(s)) => s,
        Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    };
    let en = sub.language == "en";
    let notice = if en {
        "Your preferences have been saved."
    } else {
        "Je voorkeuren zijn opgeslagen."
    };
    form_page(&ctx, &token, &sub, Some(notice))
}

pub async fn unsubscribe(State(ctx): State<Arc<Ctx>>, Path(token): Path<String>) -> Response {
    let sub = match subscriber(&ctx, &token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    if let Err(e) = ctx
        .db
        .unsubscribe(sub.id, "preferences", None, ctx.now())
        .await
    {
        return internal(&ctx, e);
    }
    tracing::info!(subscriber = sub.id, source = "preferences", "unsubscribed");
    let en = sub.language == "en";
    let reason_action = format!(
        "{}/reason",
        ctx.unsubscribe_url(sub.id, 0).trim_end_matches('/')
    );
    html_page(
        &ctx,
        &sub.language,
        if en { "Unsubscribed" } else { "Afgemeld" },
        StatusCode::OK,
        unsubscribed_body(en, Some(&reason_action)),
    )
}

/// The person's data as a JSON download. Changes nothing.
pub async fn data(State(ctx): State<Arc<Ctx>>, Path(token): Path<String>) -> Response {
    let sub = match subscriber(&ctx, &token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let data = match ctx.db.personal_data(sub.id).await {
        Ok(Some(d)) => d,
        Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    };
    let json = match serde_json::to_string_pretty(&data) {
        Ok(j) => j,
        Err(e) => return internal(&ctx, e.into()),
    };
    (
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
        .into_response()
}

/// Asks to confirm the erasure; changes nothing.
pub async fn erase_page(State(ctx): State<Arc<Ctx>>, Path(token): Path<String>) -> Response {
    let sub = match subscriber(&ctx, &token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let en = sub.language == "en";
    let body = html! {
        h1 { @if en { "Erase your data" } @else { "Je gegevens wissen" } }
        @if en {
            p { "We delete your subscription, your choices, your consent history and the record of the mails you received. This cannot be undone." }
            p { "Only a scrambled fingerprint of your address is kept, so that we never mail you again by accident." }
        } @else {
            p { "We verwijderen je aanmelding, je keuzes, je toestemmingsgeschiedenis en de lijst van mails die je kreeg. Dit kan niet ongedaan worden gemaakt." }
            p { "We bewaren alleen een onleesbare vingerafdruk van je adres, zodat we je nooit per ongeluk opnieuw mailen." }
        }
        form method="post" action=(link(&ctx, &token, "/erase")) {
            p { button type="submit" { @if en { "Yes, erase my data" } @else { "Ja, wis mijn gegevens" } } }
        }
        p { a href=(link(&ctx, &token, "")) { @if en { "No, back to my preferences" } @else { "Nee, terug naar mijn voorkeuren" } } }
    };
    html_page(
        &ctx,
        &sub.language,
        if en {
            "Erase your data"
        } else {
            "Gegevens wissen"
        },
        StatusCode::OK,
        body,
    )
}

pub async fn erase(State(ctx): State<Arc<Ctx>>, Path(token): Path<String>) -> Response {
    let sub = match subscriber(&ctx, &token).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    match ctx.db.erase_subscriber(sub.id, ctx.now()).await {
        Ok(Some(_)) => {}
        Ok(None) => return invalid_link(&ctx),
        Err(e) => return internal(&ctx, e),
    }
    tracing::info!(subscriber = sub.id, "subscriber erased on request");
    let en = sub.language == "en";
    let body = html! {
        h1 { @if en { "Your data has been erased" } @else { "Je gegevens zijn gewist" } }
        p { @if en { "You will receive no more mail from us." } @else { "Je ontvangt geen mail meer van ons." } }
    };
    html_page(
        &ctx,
        &sub.language,
        if en { "Erased" } else { "Gewist" },
        StatusCode::OK,
        body,
    )
}
