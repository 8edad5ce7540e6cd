//! `GET /` shows the subscribe form; `POST /subscribe` creates a pending
//! subscriber, records the consent and sends the confirmation mail.
//!
//! The answer to a valid sign-up is the same page, with the same status, for a
//! new, pending, active or unsubscribed address, and the mail leaves in the
//! background, so neither the page nor its timing tells whether an address is
//! known. Abuse is limited per IP and per address, a hidden honeypot field
//! catches simple bots, and an address gets at most one sign-up mail per
//! [`MAIL_WINDOW_SECS`].

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use super::error::internal;
pub use super::limits::Limits;
use super::page::page;
use crate::cli::ConsentArgs;
use crate::commands::subscribers::{SubscriberInput, validate};
use crate::confirmation::{SignupMail, send_signup_mail};
use crate::context::Ctx;
use crate::delivery::Outcome;
use crate::domain::email::SubscriberEmail;
use crate::storage::subscribers::{Added, NewSubscriber};

/// The version of the consent sentence shown on the form; stored with every sign-up.
pub const CONSENT_VERSION: &str = "2026-11";

/// At most one confirmation (or preferences) mail per address in this window.
pub const MAIL_WINDOW_SECS: i64 = 10 * 60;

/// The longest Referer kept as the consent's source.
const MAX_SOURCE_LEN: usize = 500;

/// The form's fields as posted (repeated keys for the checkboxes).
#[derive(Debug, Default, Clone)]
struct FormValues {
    email: String,
    name: String,
    workshops: Vec<String>,
    interests: Vec<String>,
    reminders: bool,
    language: String,
    /// The honeypot: people leave it empty.
    website: String,
}

fn parse_form(body: &[u8]) -> FormValues {
    let mut v = FormValues::default();
    let mut seen_email = false;
    let mut seen_name = false;
    let mut seen_language = false;
    for (key, value) in url::form_urlencoded::parse(body) {
        let value = value.into_owned();
        match key.as_ref() {
            "email" if !seen_email => {
                seen_email = true;
                v.email = value;
            }
            "name" if !seen_name => {
                seen_name = true;
                v.name = value;
            }
            "workshops" if !v.workshops.contains(&value) => v.workshops.push(value),
            "interests" if !v.interests.contains(&value) => v.interests.push(value),
            "reminders" => v.reminders = !value.is_empty(),
            "language" if !seen_language => {
                seen_language = true;
                v.language = value;
            }
            "website" => v.website.push_str(&value),
            _ => {}
        }
    }
    v
}

/// `nl` unless `en` was asked for.
fn page_lang(requested: &str) -> &'static str {
    if requested == "en" { "en" } else { "nl" }
}

fn consent_sentence(ctx: &Ctx, en: bool) -> String {
    let platform = &ctx.config.platform.name;
    if en {
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
fn consent_text(ctx: &Ctx, new: &NewSubscriber) -> String {
    let en = new.language.as_str() == "en";
    format!(
        "[{CONSENT_VERSION}] {} | workshops: {}; interests: {}; reminders: {}; language: {}",
        consent_sentence(ctx, en),
        new.segments.workshops.join(", "),
        new.segments.interests.join(", "),
        if new.reminders { "yes" } else { "no" },
        new.language.as_str()
    )
}

fn html_response(status: StatusCode, markup: Markup) -> Response {
    (status, Html(markup.into_string())).into_response()
}

/// `GET /`: the form, Dutch unless `?lang=en`.
pub async fn form(State(ctx): State<Arc<Ctx>>, RawQuery(query): RawQuery) -> Response {
    let requested = query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "lang")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    let lang = page_lang(&requested);
    let values = FormValues {
        language: lang.into(),
        ..FormValues::default()
    };
    html_response(StatusCode::OK, form_page(&ctx, lang, &values, &[]))
}

fn form_page(ctx: &Ctx, lang: &str, v: &FormValues, errors: &[String]) -> Markup {
    let en = lang == "en";
    let title = if en {
        "Subscribe to the newsletter"
    } else {
        "Aanmelden voor de nieuwsbrief"
    };
    let action = format!("{}/subscribe", ctx.config.base_url());
    let language = if v.language == "en" { "en" } else { "nl" };
    let body = html! {
        h1 { (title) }
        p {
            @if en {
                "Receive the newsletter of " (ctx.config.platform.name) ": news from the workshops and themes you choose, and if you like a reminder before agenda items."
            } @else {
                "Ontvang de nieuwsbrief van het " (ctx.config.platform.name) ": nieuws uit de werkplaatsen en thema’s die je kiest, en als je wilt een herinnering voor agenda-items."
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
                input #name type="text" name="name" autocomplete="name" maxlength="200" value=(v.name);
            }
            @if !ctx.config.workshops.is_empty() {
                fieldset {
                    legend { @if en { "Workshops" } @else { "Werkplaatsen" } }
                    @for (i, w) in ctx.config.workshops.iter().enumerate() {
                        @let id = format!("workshop-{i}");
                        div.check {
                            input type="checkbox" id=(id) name="workshops" value=(w.slug) checked[v.workshops.contains(&w.slug)];
                            label for=(id) { (w.name) }
                        }
                    }
                }
            }
            @if !ctx.config.interests.is_empty() {
                fieldset {
                    legend { @if en { "Themes" } @else { "Thema’s" } }
                    @for (i, t) in ctx.config.interests.iter().enumerate() {
                        @let id = format!("interest-{i}");
                        div.check {
                            input type="checkbox" id=(id) name="interests" value=(t.slug) checked[v.interests.contains(&t.slug)];
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
            div.hp {
                label for="website" {
                    @if en { "Leave this field empty (it catches spam robots)" } @else { "Laat dit veld leeg (het vangt spamrobots)" }
                }
                input #website type="text" name="website" tabindex="-1" autocomplete="off" value="";
            }
            p.consent {
                (consent_sentence(ctx, en))
                " "
                small { "(" @if en { "version " } @else { "versie " } (CONSENT_VERSION) ")" }
            }
            p { button type="submit" { @if en { "Subscribe" } @else { "Aanmelden" } } }
        }
    };
    page(ctx, lang, title, body)
}

/// The one answer to every accepted sign-up, whatever the address's state.
fn done_page(ctx: &Ctx, lang: &str) -> Response {
    let en = lang == "en";
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
    html_response(StatusCode::OK, page(ctx, lang, title, body))
}

fn too_many(ctx: &Ctx, lang: &str, wait: Duration) -> Response {
    let en = lang == "en";
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
    let mut r = html_response(StatusCode::TOO_MANY_REQUESTS, page(ctx, lang, title, body));
    if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn unreadable(ctx: &Ctx, rejection: BytesRejection) -> Response {
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
    html_response(status, page(ctx, "nl", title, body))
}

/// The form's own checks, in the person's language; the values that were
/// typed stay in the form.
fn check(ctx: &Ctx, v: &FormValues, en: bool) -> Vec<String> {
    let mut errors = Vec::new();
    if v.email.trim().is_empty() {
        errors.push(if en {
            "Fill in your e-mail address.".to_string()
        } else {
            "Vul je e-mailadres in.".to_string()
        });
    } else if SubscriberEmail::parse(&v.email).is_err() {
        errors.push(if en {
            format!("“{}” is not a valid e-mail address.", v.email.trim())
        } else {
            format!("“{}” is geen geldig e-mailadres.", v.email.trim())
        });
    }
    if v.name.chars().count() > 200 {
        errors.push(if en {
            "The name is longer than 200 characters.".to_string()
        } else {
            "De naam is langer dan 200 tekens.".to_string()
        });
    }
    for w in v.workshops.iter().filter(|w| !ctx.config.is_workshop(w)) {
        errors.push(if en {
            format!("Unknown workshop “{w}”: choose one from the list.")
        } else {
            format!("Onbekende werkplaats “{w}”: kies er een uit de lijst.")
        });
    }
    for i in v.interests.iter().filter(|i| !ctx.config.is_interest(i)) {
        errors.push(if en {
            format!("Unknown theme “{i}”: choose one from the list.")
        } else {
            format!("Onbekend thema “{i}”: kies er een uit de lijst.")
        });
    }
    if !v.language.is_empty() && v.language != "nl" && v.language != "en" {
        errors.push(if en {
            format!(
                "Unknown language “{}”: choose Nederlands or English.",
                v.language
            )
        } else {
            format!(
                "Onbekende taal “{}”: kies Nederlands of English.",
                v.language
            )
        });
    }
    errors
}

fn bad_form(ctx: &Ctx, lang: &str, mut v: FormValues, errors: &[String]) -> Response {
    // Unknown values cannot be ticked again; keep only what the form offers.
    v.workshops.retain(|w| ctx.config.is_workshop(w));
    v.interests.retain(|i| ctx.config.is_interest(i));
    html_response(StatusCode::BAD_REQUEST, form_page(ctx, lang, &v, errors))
}

/// `POST /subscribe`.
pub async fn submit(
    State(ctx): State<Arc<Ctx>>,
    Extension(limits): Extension<Arc<Limits>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(rejection) => return unreadable(&ctx, rejection),
    };
    let v = parse_form(&body);
    let lang = page_lang(&v.language);
    let en = lang == "en";
    if let Err(wait) = limits.check_ip(peer.ip()) {
        tracing::warn!(ip = %peer.ip(), "sign-up rate limit per IP reached");
        return too_many(&ctx, lang, wait);
    }
    if !v.website.is_empty() {
        tracing::info!(ip = %peer.ip(), "sign-up with the honeypot filled in ignored");
        return done_page(&ctx, lang);
    }
    let errors = check(&ctx, &v, en);
    if !errors.is_empty() {
        return bad_form(&ctx, lang, v, &errors);
    }
    let input = SubscriberInput {
        email: &v.email,
        name: &v.name,
        workshops: v.workshops.clone(),
        interests: v.interests.clone(),
        reminders: v.reminders,
        language: if v.language.is_empty() {
            "nl"
        } else {
            &v.language
        },
    };
    let no_consent = ConsentArgs {
        confirmed: false,
        consent: None,
    };
    let source = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(MAX_SOURCE_LEN).collect::<String>())
        .unwrap_or_else(|| format!("{}/", ctx.config.base_url()));
    let mut new = match validate(&ctx, input, &no_consent, &source) {
        Ok(n) => n,
        Err(m) => return bad_form(&ctx, lang, v, &[m]),
    };
    if let Err(wait) = limits.check_address(&new.email) {
        tracing::warn!("sign-up rate limit per address reached");
        return too_many(&ctx, lang, wait);
    }
    // An erased, bounced or complaining address is never mailed again by
    // accident: the answer is the same, nothing is stored and no mail goes out.
    match ctx.db.is_suppressed(new.email.as_str()).await {
        Ok(true) => {
            tracing::info!("sign-up of a suppressed address ignored");
            return done_page(&ctx, lang);
        }
        Ok(false) => {}
        Err(e) => return internal(&ctx, e),
    }
    new.consent.text = consent_text(&ctx, &new);
    new.consent.ip = peer.ip().to_canonical().to_string();
    match sign_up(&ctx, &new).await {
        Ok(Some((mail, id, name, language))) => {
            let email = new.email.as_str().to_string();
            let ctx = Arc::clone(&ctx);
            tokio::spawn(async move {
                match send_signup_mail(&ctx, mail, id, &email, &name, &language).await {
                    Ok(Outcome::Sent(_)) => {
                        tracing::info!(subscriber = id, ?mail, "sign-up mail sent")
                    }
                    Ok(other) => {
                        tracing::warn!(
                            subscriber = id,
                            ?mail,
                            "sign-up mail not delivered: {}",
                            crate::delivery::outcome::redact_addresses(&format!("{other:?}"))
                        )
                    }
                    Err(e) => {
                        tracing::error!(subscriber = id, ?mail, "sign-up mail failed: {e:#}")
                    }
                }
            });
        }
        Ok(None) => {}
        Err(e) => return internal(&ctx, e),
    }
    done_page(&ctx, lang)
}

/// Stores the sign-up and decides which mail (if any) goes out: for a new,
/// pending or re-subscribing address a confirmation, for an active one the
/// preferences mail, for a bounced or complaining one nothing; and never more
/// than one per address per [`MAIL_WINDOW_SECS`].
async fn sign_up(
    ctx: &Ctx,
    new: &NewSubscriber,
) -> anyhow::Result<Option<(SignupMail, i64, String, String)>> {
    let now = ctx.now();
    let (id, mail) = match ctx.db.add_subscriber(new, now).await? {
        Added::Created(id) => (id, SignupMail::Confirm),
        Added::Exists(id) => {
            let Some(sub) = ctx.db.subscriber_by_id(id).await? else {
                return Ok(None);
            };
            match sub.status.as_str() {
                "pending" => (id, SignupMail::Confirm),
                "active" => (id, SignupMail::Preferences),
                "unsubscribed" => {
                    if !ctx.db.resubscribe(id, new, now).await? {
                        return Ok(None);
                    }
                    (id, SignupMail::Confirm)
                }
                _ => return Ok(None),
            }
        }
    };
    if !ctx
        .db
        .claim_confirmation_mail(id, now, MAIL_WINDOW_SECS)
        .await?
    {
        tracing::info!(subscriber = id, "sign-up mail throttled");
        return Ok(None);
    }
    let Some(sub) = ctx.db.subscriber_by_id(id).await? else {
        return Ok(None);
    };
    Ok(Some((mail, id, sub.name, sub.language)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_kept_and_deduplicated() {
        let v = parse_form(
            b"email=a%40example.nl&name=A+B&workshops=x&workshops=y&workshops=x&interests=z&reminders=on&language=en&website=",
        );
        assert_eq!(v.email, "a@example.nl");
        assert_eq!(v.name, "A B");
        assert_eq!(v.workshops, ["x", "y"]);
        assert_eq!(v.interests, ["z"]);
        assert!(v.reminders);
        assert_eq!(v.language, "en");
        assert!(v.website.is_empty());
    }
}
