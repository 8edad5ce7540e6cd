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
use crate::domain::subscriber::{Choices, Language, Subscriber, UnsubscribeSource};
use crate::domain::texts::tr;
use crate::storage::privacy::Preferences;

/// A page under this subscriber's preferences link.
pub fn link(s: &AppState, token: &str, rest: &str) -> String {
    s.links.page(&format!("/preferences/{token}{rest}"))
}

pub async fn show(State(s): State<AppState>, v: Verified<PreferencesLink>) -> Response {
    form_page(&s, &v.token, &v.subscriber, None)
}

/// The texts of the preference centre in `lang`.
fn words(lang: Language) -> impl Fn(&str) -> String {
    super::page::words(lang, "pages.preferences")
}

/// The preference form, with an optional notice above it.
fn form_page(s: &AppState, token: &str, sub: &Subscriber, notice: Option<&str>) -> Response {
    let title = words(sub.language)("title");
    respond(
        s,
        StatusCode::OK,
        sub.language,
        &title,
        form(s, token, sub, notice),
    )
}

/// The form with the subscriber's current choices ticked.
fn form(s: &AppState, token: &str, sub: &Subscriber, notice: Option<&str>) -> Markup {
    let lang = sub.language;
    let t = words(lang);
    let subscribed = sub.status.is_subscribed();
    let follows = |kind: SegmentKind, slug: &str| match kind {
        SegmentKind::Workshop => sub.segments.workshops().iter().any(|w| w.as_str() == slug),
        SegmentKind::Interest => sub.segments.interests().iter().any(|i| i.as_str() == slug),
    };
    let hours = s.config.limits.data_link_hours;
    html! {
        h1 { (t("title")) }
        @if let Some(n) = notice {
            p role="status" { strong { (n) } }
        }
        @if !subscribed {
            p { (t("unsubscribed")) }
        }
        form method="post" action=(link(s, token, "")) {
            p {
                label for="name" { (t("name")) }
                br;
                input type="text" id="name" name="name" value=(sub.name.as_str()) maxlength=(crate::domain::name::SubscriberName::MAX_CHARS) autocomplete="name";
            }
            @if !s.config.workshops.is_empty() {
                fieldset {
                    legend { (t("workshops")) }
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
                    legend { (t("interests")) }
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
                legend { (t("agenda")) }
                div {
                    input type="checkbox" id="reminders" name="reminders" value="on" checked[sub.reminders];
                    " "
                    label for="reminders" { (t("reminders")) }
                }
                div {
                    input type="checkbox" id="digest" name="digest" value="on" checked[sub.digest];
                    " "
                    label for="digest" { (t("digest")) }
                }
            }
            fieldset {
                legend { (t("language")) }
                div {
                    input type="radio" id="language-nl" name="language" value="nl" checked[!lang.is_en()];
                    " "
                    label for="language-nl" lang="nl" { "Nederlands" }
                }
                div {
                    input type="radio" id="language-en" name="language" value="en" checked[lang.is_en()];
                    " "
                    label for="language-en" lang="en" { "English" }
                }
            }
            p { button type="submit" { (t("save")) } }
        }
        @if subscribed {
            section {
                h2 { (t("unsubscribe")) }
                form method="post" action=(link(s, token, "/unsubscribe")) {
                    button type="submit" { (t("unsubscribe")) }
                }
            }
        }
        section {
            h2 { (t("data")) }
            p { (tr!(lang, "pages.preferences.data_text", hours = hours)) }
            form method="post" action=(link(s, token, "/data-link")) {
                p { button type="submit" { (t("data_button")) } }
            }
        }
        section {
            h2 { (t("forwarded")) }
            p { (t("forwarded_text")) }
            form method="post" action=(link(s, token, "/revoke")) {
                p { button type="submit" { (t("revoke_button")) } }
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
            let t = words(lang);
            let body = html! {
                h1 { (t("not_saved")) }
                @for e in &errors { p { (e.message(lang)) } }
                p { (t("nothing_changed")) }
                p { a href=(link(&s, &v.token, "")) { (t("back")) } }
            };
            let title = t("not_saved_title");
            return Ok(respond(&s, StatusCode::BAD_REQUEST, lang, &title, body));
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
    // In the language just chosen.
    let notice = words(sub.language)("saved");
    Ok(form_page(&s, &v.token, &sub, Some(&notice)))
}

pub async fn unsubscribe(
    State(s): State<AppState>,
    v: Verified<PreferencesLink>,
) -> Result<Response, AppError> {
    let sub = &v.subscriber;
    s.db.unsubscribe(sub.id, UnsubscribeSource::Preferences, None, s.now())
        .await?;
    tracing::info!(subscriber = sub.id, source = "preferences", "unsubscribed");
    let reason_action = format!("{}/reason", s.links.unsubscribe(sub.holder(), 0));
    Ok(respond(
        &s,
        StatusCode::OK,
        sub.language,
        &tr!(sub.language, "pages.unsubscribe.done_title"),
        unsubscribed_body(sub.language, Some(&reason_action)),
    ))
}
