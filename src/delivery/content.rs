//! What a ledger row becomes: the issue, reminder, update, cancellation or
//! digest for one recipient. Everything that is the same for many recipients
//! (a compiled variant, a reminder body, a digest) is made once per batch.

use anyhow::Result;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::domain::delivery::MailKind;
use crate::domain::language::Language;
use crate::domain::subscriber::Recipient;
use crate::linkcheck::tracked_urls;
use crate::mail::{Kind, Outgoing};
use crate::newsletters::LoadedIssue;
use crate::reminders::AgendaMails;
use crate::reminders::digest::{DigestBody, compose_digest_from};
use crate::reminders::mail::{ReminderBody, ReminderKind, compose_from};
use crate::reminders::reason::reason;
use crate::render::MergeValues;
use crate::storage::agenda::StoredItem;
use crate::storage::deliveries::Claimed;

/// One row to send, with what it is about.
pub struct Job {
    pub row: Claimed,
    pub recipient: Option<Recipient>,
    pub content: Content,
}

/// What a ledger row is about, loaded once per batch.
pub enum Content {
    Issue(Result<Arc<LoadedIssue>, String>),
    Agenda(Result<Arc<AgendaContent>, String>),
    /// The items starting in the digest's period, for every digest of the batch.
    Digest(Result<Arc<DigestContent>, String>),
}

/// An agenda item as loaded for one batch, with its mail bodies compiled
/// once per kind, language and reason sentence rather than once per recipient.
pub struct AgendaContent {
    pub stored: StoredItem,
    bodies: Mutex<HashMap<(ReminderKind, Language, String), Arc<ReminderBody>>>,
}

impl AgendaContent {
    pub fn new(stored: StoredItem) -> Self {
        Self {
            stored,
            bodies: Mutex::new(HashMap::new()),
        }
    }

    fn body(
        &self,
        mails: &AgendaMails,
        kind: ReminderKind,
        lang: Language,
        reason: String,
    ) -> Result<Arc<ReminderBody>> {
        let mut bodies = self.bodies.lock().unwrap_or_else(|p| p.into_inner());
        let key = (kind, lang, reason);
        if let Some(b) = bodies.get(&key) {
            return Ok(b.clone());
        }
        let item = &self.stored.item;
        let body = Arc::new(ReminderBody::new(mails, item, kind, &key.2, lang)?);
        bodies.insert(key, body.clone());
        Ok(body)
    }
}

/// The meetings of the digest period as loaded for one batch, with one
/// compiled digest per distinct selection of them and language (subscribers
/// who follow the same meetings and read the same language share it, as
/// issue variants are shared).
pub struct DigestContent {
    pub items: Vec<StoredItem>,
    bodies: Mutex<HashMap<DigestKey, Arc<DigestBody>>>,
}

/// The ids of the meetings in a digest and its reader's language.
type DigestKey = (Vec<i64>, Language);

impl DigestContent {
    pub fn new(items: Vec<StoredItem>) -> Self {
        Self {
            items,
            bodies: Mutex::new(HashMap::new()),
        }
    }

    fn body(
        &self,
        mails: &AgendaMails,
        mine: &[&StoredItem],
        lang: Language,
    ) -> Result<Arc<DigestBody>> {
        let key = (mine.iter().map(|i| i.id).collect::<Vec<i64>>(), lang);
        let mut bodies = self.bodies.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(b) = bodies.get(&key) {
            return Ok(b.clone());
        }
        let items: Vec<_> = mine.iter().map(|i| i.item.clone()).collect();
        let body = Arc::new(DigestBody::new(mails, &items, lang)?);
        bodies.insert(key, body.clone());
        Ok(body)
    }
}

/// Why a message could not be built.
pub enum NotBuilt {
    /// Try again later (a layout went missing, the database hiccuped).
    Retry(String),
    /// Never: record as failed.
    Fail(String),
    /// Nothing to say (a digest without meetings): recorded as skipped.
    Skip(String),
}

/// Builds the message of `job` for its recipient.
pub fn compose(
    mails: &AgendaMails,
    job: &Job,
    recipient: &Recipient,
) -> Result<Outgoing, NotBuilt> {
    match (&job.content, job.row.kind) {
        (Content::Issue(loaded), _) => compose_issue(mails, loaded, &job.row, recipient),
        (Content::Agenda(item), MailKind::Agenda(kind)) => {
            let kind = ReminderKind::of(kind)
                .ok_or_else(|| NotBuilt::Fail(format!("{kind} is not an agenda item's mail")))?;
            compose_agenda(mails, item, kind, recipient)
        }
        (Content::Digest(upcoming), _) => compose_digest(mails, upcoming, recipient),
        (Content::Agenda(_), MailKind::Issue) => {
            Err(NotBuilt::Fail("an issue row in the agenda ledger".into()))
        }
    }
}

/// One personalised issue: the variant for the recipient's sections.
fn compose_issue(
    mails: &AgendaMails,
    loaded: &Result<Arc<LoadedIssue>, String>,
    row: &Claimed,
    recipient: &Recipient,
) -> Result<Outgoing, NotBuilt> {
    let loaded = loaded
        .as_ref()
        .map_err(|e| NotBuilt::Retry(format!("issue {} cannot be rendered: {e}", row.topic_id)))?;
    let issue = loaded.issue();
    let links = &mails.links;
    let key = issue.variant_key(&recipient.segments);
    let variant = if mails.count_clicks {
        let slug = issue.slug.as_str();
        loaded
            .renderer
            .counted_variant(&key, recipient.language, || {
                tracked_urls(issue)
                    .into_iter()
                    .enumerate()
                    .map(|(i, url)| (url, links.click(slug, i)))
                    .collect()
            })
    } else {
        loaded.renderer.variant_in(&key, recipient.language)
    }
    .map_err(|d| NotBuilt::Retry(format!("cannot compile issue {}: {d}", issue.slug)))?;
    let values = MergeValues {
        name: recipient.name.greeting(recipient.language),
        preferences_url: links.preferences(recipient.holder()),
        unsubscribe_url: links.unsubscribe(recipient.holder(), row.topic_id),
        archive_url: links.archive(issue.slug.as_str()),
    };
    // The body is spliced from the variant's text, encoded once for all its
    // recipients, and this recipient's values (see `render::encoded`).
    let encoded = variant.encoded();
    let body = encoded.body(&values);
    let subject = variant.subject(&values);
    let kind = Kind::Bulk {
        unsubscribe_url: values.unsubscribe_url,
        auto_submitted: false,
    };
    mails
        .composer
        .compose_encoded(
            &recipient.email,
            &recipient.name,
            &subject,
            encoded.boundary(),
            body,
            &kind,
        )
        .map_err(|e| NotBuilt::Fail(format!("{e:#}")))
}

/// A reminder, update or cancellation with the item as it now stands.
fn compose_agenda(
    mails: &AgendaMails,
    item: &Result<Arc<AgendaContent>, String>,
    kind: ReminderKind,
    recipient: &Recipient,
) -> Result<Outgoing, NotBuilt> {
    let content = item.as_ref().map_err(|e| NotBuilt::Retry(e.clone()))?;
    let stored = &content.stored;
    let reason = reason(mails, recipient, stored, kind);
    let body = content
        .body(mails, kind, recipient.language, reason)
        .map_err(|e| NotBuilt::Retry(format!("{e:#}")))?;
    compose_from(
        mails,
        &body,
        recipient,
        &stored.item,
        u32::try_from(stored.sequence).unwrap_or(0),
        stored.issue_id,
    )
    .map_err(|e| NotBuilt::Retry(format!("{e:#}")))
}

/// The digest: the upcoming meetings this recipient follows, earliest first.
fn compose_digest(
    mails: &AgendaMails,
    upcoming: &Result<Arc<DigestContent>, String>,
    recipient: &Recipient,
) -> Result<Outgoing, NotBuilt> {
    let content = upcoming.as_ref().map_err(|e| NotBuilt::Retry(e.clone()))?;
    let mine: Vec<&StoredItem> = content
        .items
        .iter()
        .filter(|i| {
            let target = i.target();
            target.is_empty() || target.follows_any(&recipient.segments)
        })
        .collect();
    if mine.is_empty() {
        return Err(NotBuilt::Skip("no upcoming meetings to tell about".into()));
    }
    let body = content
        .body(mails, &mine, recipient.language)
        .map_err(|e| NotBuilt::Retry(format!("{e:#}")))?;
    compose_digest_from(mails, &body, recipient, 0).map_err(|e| NotBuilt::Retry(format!("{e:#}")))
}
