//! The pages of the sign-up form: the form itself (also with the mistakes
//! in it), the one answer to every accepted sign-up, and the refusals.

use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use std::time::Duration;

use super::AppState;
use super::forms::SubscribeForm;
use super::page::{page, respond};
use crate::domain::subscriber::{Choices, Language};

/// The version of the consent sentence shown on the form; stored with every sign-up.
pub const CONSENT_VERSION: &str = "2026-11";

pub fn consent_sentence(s: &AppState, lang: Language) -> String {
    let platform = &s.config.platform.name;
    if lang.is_en() {
        format!(
            "By pressing “Subscribe” you allow {platform} to keep your e-mail address, name and choices and to send you the newsletter and, if you tick them, agenda reminders. You can unsubscribe at any time with the link in every e-mail."
        )
    } else {
        format!(
            "Door op ‘Aanmelden’ te drukken geef je het {platform} toestemming om je e-mailadres, naam en keuzes te bewaren en je de nieuwsbrief en, als je die aanvinkt, herinneringen voor de agenda te sturen. Je kunt je altijd afmelden met de link in elke e-mail."
        )
    }
}

/// What the person agreed to, as stored in the consent record.
pub fn consent_text(s: &AppState, c: &Choices) -> String {
    let join = |l: &[crate::domain::slug::Slug]| {
        l.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
    };
    format!(
        "[{CONSENT_VERSION}] {} | workshops: {}; interests: {}; reminders: {}; language: {}",
        consent_sentence(s, c.language),
        join(c.segments.workshops()),
        join(c.segments.interests()),
        if c.reminders { "yes" } else { "no" },
        c.language.as_str()
    )
}

pub fn form_page(s: &AppState, lang: Language, v: &SubscribeForm, errors: &[String]) -> Markup {
    let en = lang.is_en();
    let title = if en {
        "Subscribe to the newsletter"
    } else {
        "Aanmelden voor de nieuwsbrief"
    };
    let action = format!("{}/subscribe", s.config.base_url());
    let language = if v.language == "en" { "en" } else { "nl" };
    let body = html! {
        h1 { (title) }
        p {
            @if en {
                "Receive the newsletter of " (s.config.platform.name) ": news from the workshops and themes you choose, and if you like a reminder before agenda items."
            } @else {
                "Ontvang de nieuwsbrief van het " (s.config.platform.name) ": nieuws uit de werkplaatsen en thema’s die je kiest, en als je wilt een herinnering voor agenda-items."
            }
        }
        @if !errors.is_empty() {
            div.errors role="alert" {
                p { strong { @if en { "Please check the form:" } @else { "Controleer het formulier:" } } }
                ul { @for e in errors { li { (e) } } }
            }
        }
        form method="post" action=(action) {
            p.field {
                label for="email" { @if en { "E-mail address" } @else { "E-mailadres" } }
                input #email type="email" name="email" required autocomplete="email" maxlength="254" value=(v.email);
            }
            p.field {
                label for="name" { @if en { "Name (optional)" } @else { "Naam (niet verplicht)" } }
                input #name type="text" name="name" autocomplete="name" maxlength=(crate::domain::name::SubscriberName::MAX_CHARS) value=(v.name);
            }
            @if !s.config.workshops.is_empty() {
                fieldset {
                    legend { @if en { "Workshops" } @else { "Werkplaatsen" } }
                    @for (i, w) in s.config.workshops.iter().enumerate() {
                        @let id = format!("workshop-{i}");
                        div.check {
                            input type="checkbox" id=(id) name="workshops" value=(w.slug.as_str()) checked[v.workshops.iter().any(|x| x == w.slug.as_str())];
                            label for=(id) { (w.name) }
                        }
                    }
                }
            }
            @if !s.config.interests.is_empty() {
                fieldset {
                    legend { @if en { "Themes" } @else { "Thema’s" } }
                    @for (i, t) in s.config.interests.iter().enumerate() {
                        @let id = format!("interest-{i}");
                        div.check {
                            input type="checkbox" id=(id) name="interests" value=(t.slug.as_str()) checked[v.interests.iter().any(|x| x == t.slug.as_str())];
                            label for=(id) { (t.name) }
                        }
                    }
                }
            }
            fieldset {
                legend { "Agenda" }
                div.check {
                    input #reminders type="checkbox" name="reminders" value="on" checked[v.reminders];
                    label for="reminders" {
                        @if en { "Send me a reminder before agenda items" } @else { "Stuur me een herinnering voor agenda-items" }
                    }
                }
            }
            fieldset {
                legend { @if en { "Language" } @else { "Taal" } }
                div.check {
                    input #language-nl type="radio" name="language" value="nl" checked[language == "nl"];
                    label for="language-nl" lang="nl" { "Nederlands" }
                }
                div.check {
                    input #language-en type="radio" name="language" value="en" checked[language == "en"];
                    label for="language-en" lang="en" { "English" }
                }
            }
            input type="hidden" name="form_token" value=(s.links.form_token());
            div.hp {
                label for="website" {
                    @if en { "Leave this field empty (it catches spam robots)" } @else { "Laat dit veld leeg (het vangt spamrobots)" }
                }
                input #website type="text" name="website" tabindex="-1" autocomplete="off" value="";
            }
            p.consent {
                (consent_sentence(s, lang))
                " "
                small { "(" @if en { "version " } @else { "versie " } (CONSENT_VERSION) ")" }
            }
            p { button type="submit" { @if en { "Subscribe" } @else { "Aanmelden" } } }
        }
    };
    page(s, lang, title, body)
}

/// The one answer to every accepted sign-up, whatever the address's state.
pub fn done_page(s: &AppState, lang: Language) -> Response {
    let en = lang.is_en();
    let title = if en {
        "Check your mailbox"
    } else {
        "Kijk in je mailbox"
    };
    let body = html! {
        h1 { (title) }
        @if en {
            p { "Thank you. We have sent an e-mail to the address you entered. If you are new, it contains a link to confirm your subscription; only after confirming will you receive the newsletter. If the address is already subscribed, the e-mail contains a link to your preferences." }
            p { "Nothing in your mailbox after a few minutes? Look in your spam folder." }
        } @else {
            p { "Dank je wel. We hebben een e-mail gestuurd naar het adres dat je hebt ingevuld. Ben je nieuw, dan staat daarin een link om je aanmelding te bevestigen; pas daarna ontvang je de nieuwsbrief. Is het adres al aangemeld, dan staat er een link naar je voorkeuren in." }
            p { "Na een paar minuten nog niets ontvangen? Kijk dan in je spammap." }
        }
    };
    respond(s, StatusCode::OK, lang, title, body)
}

pub fn too_many(s: &AppState, lang: Language, wait: Duration) -> Response {
    let en = lang.is_en();
    let minutes = wait.as_secs().div_ceil(60).max(1);
    let title = if en {
        "Too many sign-ups"
    } else {
        "Te veel aanmeldingen"
    };
    let body = html! {
        h1 { (title) }
        @if en {
            p { "We received too many sign-ups in a short time. Please try again in " (minutes) " minutes." }
        } @else {
            p { "We kregen te veel aanmeldingen in korte tijd. Probeer het over " (minutes) " minuten opnieuw." }
        }
    };
    let mut r = respond(s, StatusCode::TOO_MANY_REQUESTS, lang, title, body);
    if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

pub fn unreadable(s: &AppState, rejection: BytesRejection) -> Response {
    let status = rejection.status();
    let (title, text) = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (
            "Formulier te groot",
            "Het formulier is te groot om te verwerken. / The form is too large to process.",
        )
    } else {
        (
            "Formulier onleesbaar",
            "Het formulier kon niet gelezen worden. / The form could not be read.",
        )
    };
    let body = html! { h1 { (title) } p { (text) } };
    respond(s, status, Language::Nl, title, body)
}

/// A post made by another web site's page (403): nothing is stored.
pub fn cross_site(s: &AppState, lang: Language) -> Response {
    let en = lang.is_en();
    let title = if en {
        "Sign up on our own page"
    } else {
        "Meld je aan op onze eigen pagina"
    };
    let form = s.links.page("/");
    let body = html! {
        h1 { (title) }
        @if en {
            p { "This sign-up was sent from another web site, so we did not accept it. Please use the form on " a href=(form) { (form) } "." }
        } @else {
            p { "Deze aanmelding kwam van een andere website, daarom hebben we haar niet aangenomen. Gebruik het formulier op " a href=(form) { (form) } "." }
        }
    };
    respond(s, StatusCode::FORBIDDEN, lang, title, body)
}

/// The form again, with what was typed and what to change (400).
pub fn bad_form(s: &AppState, lang: Language, mut v: SubscribeForm, errors: &[String]) -> Response {
    // Unknown values cannot be ticked again; keep only what the form offers.
    let catalogue = s.config.catalogue();
    v.workshops
        .retain(|w| catalogue.offers(crate::domain::segments::SegmentKind::Workshop, w));
    v.interests
        .retain(|i| catalogue.offers(crate::domain::segments::SegmentKind::Interest, i));
    let markup = form_page(s, lang, &v, errors);
    (StatusCode::BAD_REQUEST, Html(markup.into_string())).into_response()
}
