//! `GET /` shows the subscribe form; `POST /subscribe` creates a pending
//! subscriber, records the consent and sends the confirmation mail.
//!
//! The answer to a valid sign-up is the same page, with the same status, for a
//! new, pending, active or unsubscribed address, and the mail leaves in the
//! background, so neither the page nor its timing tells whether an address is
//! known. Abuse is limited per IP and per mailbox (sub-addresses folded
//! together), a hidden honeypot field catches simple bots, a signed form token
//! shows the form was ours and recent, a post from another site is refused,
//! an address gets at most one sign-up mail per [`MAIL_WINDOW_SECS`], and all
//! visitors together at most `limits.confirmation_mails_per_hour`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::client::ClientIp;
use super::error::AppError;
use super::forms::{SubscribeForm, query_value};
use super::origin::is_cross_site;
use super::signup_pages::{
    bad_form, consent_text, cross_site, done_page, form_page, too_many, unreadable,
};
use crate::domain::email::SubscriberEmail;
use crate::domain::links::Holder;
use crate::domain::redact::redact_addresses;
use crate::domain::reply::Outcome;
use crate::domain::subscriber::{ConsentEvent, Language, Status, SubscriberFields};
use crate::signup::SignupMail;
use crate::storage::subscribers::{Added, Consent, NewSubscriber};

/// At most one confirmation (or preferences) mail per address in this window.
pub const MAIL_WINDOW_SECS: i64 = 10 * 60;

/// A form shown longer ago than this is shown again before it is accepted.
pub const FORM_TOKEN_MAX_AGE_SECS: i64 = 12 * 3600;

/// The longest Referer kept as the consent's source.
const MAX_SOURCE_LEN: usize = 500;

/// `GET /`: the form, Dutch unless `?lang=en`.
pub async fn form(State(s): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let lang = Language::or_dutch(&query_value(query.as_deref(), "lang"));
    let values = SubscribeForm {
        language: lang.as_str().into(),
        ..SubscribeForm::default()
    };
    (
        StatusCode::OK,
        Html(form_page(&s, lang, &values, &[]).into_string()),
    )
        .into_response()
}

/// `POST /subscribe`.
pub async fn submit(
    State(s): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, AppError> {
    let body = match body {
        Ok(b) => b,
        Err(rejection) => return Ok(unreadable(&s, rejection)),
    };
    let v = SubscribeForm::parse(&body);
    let lang = Language::or_dutch(&v.language);
    if is_cross_site(&headers, s.links.base()) {
        tracing::warn!("sign-up posted from another web site refused");
        return Ok(cross_site(&s, lang));
    }
    if let Err(wait) = s.limits.check_ip(ip) {
        tracing::warn!("sign-up rate limit per IP reached");
        return Ok(too_many(&s, lang, wait));
    }
    if !v.website.is_empty() {
        tracing::info!("sign-up with the honeypot filled in ignored");
        return Ok(done_page(&s, lang));
    }
    if !s
        .links
        .form_token_fresh(&v.form_token, FORM_TOKEN_MAX_AGE_SECS)
    {
        tracing::info!("sign-up without a recent form token: the form is shown again");
        let message = crate::domain::texts::tr!(lang, "pages.signup.stale_form");
        return Ok(bad_form(&s, lang, v, &[message]));
    }
    let fields = match SubscriberFields::parse(&v.email, &v.choices(), &s.config.catalogue()) {
        Ok(f) => f,
        Err(errors) => {
            let messages: Vec<String> = errors.iter().map(|e| e.message(lang)).collect();
            return Ok(bad_form(&s, lang, v, &messages));
        }
    };
    if let Err(wait) = s.limits.check_address(&fields.email) {
        tracing::warn!("sign-up rate limit per address reached");
        return Ok(too_many(&s, lang, wait));
    }
    if let Err(wait) = hourly_cap(&s).await {
        return Ok(too_many(&s, lang, wait));
    }
    // An erased, bounced or complaining address is never mailed again by
    // accident: the answer is the same, nothing is stored and no mail goes out.
    if s.db.is_suppressed(&fields.email).await? {
        tracing::info!("sign-up of a suppressed address ignored");
        return Ok(done_page(&s, lang));
    }
    let source = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .filter(|r| !r.is_empty())
        .map(|r| r.chars().take(MAX_SOURCE_LEN).collect::<String>())
        .unwrap_or_else(|| s.links.page("/"));
    let consent = Consent {
        event: ConsentEvent::Subscribed,
        text: consent_text(&s, &fields.choices),
        source,
        ip: ip.to_string(),
    };
    let new = NewSubscriber {
        fields,
        status: Status::Pending,
        consent,
    };
    if let Some((mail, to)) = sign_up(&s, &new).await? {
        let s = s.clone();
        // In the language of the form just filled in, which the person reads.
        let language = new.fields.choices.language;
        tokio::spawn(async move { send_in_background(&s, mail, to, language).await });
    }
    Ok(done_page(&s, lang))
}

/// Ok while fewer than `limits.confirmation_mails_per_hour` mails left the
/// web pages in the last hour (all processes together), or how long to wait.
async fn hourly_cap(s: &AppState) -> Result<(), std::time::Duration> {
    let cap = s.config.limits.confirmation_mails_per_hour;
    if cap == 0 {
        return Ok(());
    }
    let sent = s.db.web_mails_since(s.now() - 3600).await.map_err(|e| {
        tracing::error!("the hourly cap on sign-up mails cannot be read: {e:#}");
        std::time::Duration::from_secs(60)
    })?;
    if sent >= u64::from(cap) {
        tracing::warn!(
            sent,
            "limits.confirmation_mails_per_hour ({cap}) reached: sign-ups are refused until fewer mails went out in the last hour"
        );
        return Err(std::time::Duration::from_secs(15 * 60));
    }
    Ok(())
}

/// Sends the sign-up mail, logged without the address.
async fn send_in_background(s: &AppState, mail: SignupMail, to: Recipient, language: Language) {
    let id = to.holder.id;
    match s.signup.send(mail, to.holder, &to.email, language).await {
        Ok(Outcome::Sent(_)) => tracing::info!(subscriber = id, ?mail, "sign-up mail sent"),
        Ok(other) => tracing::warn!(
            subscriber = id,
            ?mail,
            "sign-up mail not delivered: {}",
            redact_addresses(other.reply())
        ),
        Err(e) => tracing::error!(subscriber = id, ?mail, "sign-up mail failed: {e:#}"),
    }
}

/// Whom a sign-up mail goes to: the record's links and its stored address.
struct Recipient {
    holder: Holder,
    email: SubscriberEmail,
}

/// Stores the sign-up and decides which mail (if any) goes out: for a new or
/// pending address a confirmation, for one that had unsubscribed a
/// confirmation of the sign-up held apart (the record itself changes only
/// when the person confirms), for an active one the preferences mail, for a
/// bounced or complaining one nothing; and never more than one per address
/// per [`MAIL_WINDOW_SECS`].
async fn sign_up(
    s: &AppState,
    new: &NewSubscriber,
) -> anyhow::Result<Option<(SignupMail, Recipient)>> {
    let now = s.now();
    let (to, mail) = match s.db.add_subscriber(new, now).await? {
        Added::Created(id) => {
            let to = Recipient {
                holder: Holder::new_subscriber(id),
                email: new.fields.email.clone(),
            };
            (to, SignupMail::Confirm)
        }
        Added::Exists(id) => {
            let Some(sub) = s.db.subscriber_by_id(id).await? else {
                return Ok(None);
            };
            let mail = match sub.status {
                Status::Pending => SignupMail::Confirm,
                Status::Active => SignupMail::Preferences,
                Status::Unsubscribed => {
                    SignupMail::ConfirmRequest(s.db.hold_signup(id, new, now).await?)
                }
                Status::Bounced | Status::Complained => return Ok(None),
            };
            let to = Recipient {
                holder: sub.holder(),
                email: sub.email,
            };
            (to, mail)
        }
    };
    let id = to.holder.id;
    if !s
        .db
        .claim_confirmation_mail(id, now, MAIL_WINDOW_SECS)
        .await?
    {
        tracing::info!(subscriber = id, "sign-up mail throttled");
        return Ok(None);
    }
    Ok(Some((mail, to)))
}
