//! The weekly agenda digest for one recipient (SPEC §3 `agenda_digest`, §6):
//! `mjml/digest.mjml` and a Dutch text part with the same facts, as bulk mail
//! with one-click unsubscribe. Which items go in, and in what order, is the
//! caller's choice; this file only shows them.

use anyhow::{Result, anyhow, bail};
use minijinja::context;
use serde::Serialize;

use super::AgendaMails;
use crate::domain::issue::AgendaItem;
use crate::domain::segments::SegmentKind;
use crate::domain::subscriber::{Language, Recipient};
use crate::mail::{Kind, Outgoing};
use crate::render::compile::compile;
use crate::render::dates::when_item;
use crate::render::layout::Layouts;
use crate::render::{MergeTemplate, MergeValues};

/// How far ahead the digest looks. The subject and the introduction name this
/// period, so the caller selects items that start within it.
pub const DIGEST_DAYS: i64 = 14;

/// [`DIGEST_DAYS`] as the mail says it.
const PERIOD: &str = "de komende twee weken";

const REASON: &str = "Je krijgt dit overzicht omdat je in je voorkeuren hebt gekozen voor het wekelijkse agenda-overzicht.";

/// One item as the reader sees it: names instead of slugs, the date in Dutch.
#[derive(Debug, Serialize)]
struct Entry {
    title: String,
    when: String,
    location: String,
    url: String,
    /// The workshop's name, or empty when the item has none (or it is no
    /// longer configured).
    workshop: String,
    themes: Vec<String>,
    cancelled: bool,
}

/// Composes the digest of `items` (in the order given) for `r`.
///
/// `issue_context` becomes the unsubscribe token's context, which the
/// unsubscribe statistics read as the id of the issue the click came from: pass
/// 0 (a digest belongs to no issue) unless it really is an issue's id.
/// Refuses an empty list: a digest without meetings is not worth a mail.
pub fn compose_digest(
    ctx: &AgendaMails,
    r: &Recipient,
    items: &[AgendaItem],
    issue_context: i64,
) -> Result<Outgoing> {
    compose_digest_from(ctx, &DigestBody::new(ctx, items)?, r, issue_context)
}

/// What is the same in every digest of the same meetings: the layout
/// rendered and compiled once, the greeting and links left as merge tags.
#[derive(Debug, Clone)]
pub struct DigestBody {
    subject: String,
    html: MergeTemplate,
    text: MergeTemplate,
}

impl DigestBody {
    /// Refuses an empty list: a digest without meetings is not worth a mail.
    pub fn new(ctx: &AgendaMails, items: &[AgendaItem]) -> Result<Self> {
        const NAME: &str = "{{ subscriber.name }}";
        const PREFERENCES: &str = "{{ preferences_url }}";
        const UNSUBSCRIBE: &str = "{{ unsubscribe_url }}";
        if items.is_empty() {
            bail!("an agenda digest needs at least one item");
        }
        let entries: Vec<Entry> = items.iter().map(|it| entry(ctx, it)).collect();
        let subject = subject(entries.len());
        let mjml = Layouts::new(&ctx.templates_dir)
            .render(
                "digest",
                context! {
                    platform => ctx.platform,
                    subject => subject,
                    greeting => NAME,
                    period => PERIOD,
                    items => entries,
                    reason => REASON,
                    preferences_url => PREFERENCES,
                    unsubscribe_url => UNSUBSCRIBE,
                },
            )
            .map_err(|d| anyhow!("{d}"))?;
        let html = compile(&mjml).map_err(|(_, m)| anyhow!("mjml/digest.mjml: {m}"))?;
        let text = text_part(&subject, NAME, &entries, PREFERENCES, UNSUBSCRIBE);
        Ok(Self {
            subject,
            html: MergeTemplate::new(&html),
            text: MergeTemplate::new(&text),
        })
    }
}

/// One recipient's digest from a prepared [`DigestBody`].
pub fn compose_digest_from(
    ctx: &AgendaMails,
    body: &DigestBody,
    r: &Recipient,
    issue_context: i64,
) -> Result<Outgoing> {
    let values = MergeValues {
        // The mail is in Dutch whatever the subscriber's language, like reminders.
        name: r.name.greeting(Language::Nl),
        preferences_url: ctx.links.preferences(r.holder()),
        unsubscribe_url: ctx.links.unsubscribe(r.holder(), issue_context),
        archive_url: String::new(),
    };
    let html = body.html.render(&values.escaped());
    let text = body.text.render(&values);
    ctx.composer.compose(
        &r.email,
        &r.name,
        &body.subject,
        text,
        html,
        &Kind::Bulk {
            unsubscribe_url: values.unsubscribe_url,
            // A digest is a newsletter the subscriber asked for, not an
            // automatic reply: vacation responders may answer it.
            auto_submitted: false,
        },
    )
}

/// "Agenda: 3 bijeenkomsten in de komende twee weken".
fn subject(n: usize) -> String {
    let noun = if n == 1 {
        "bijeenkomst"
    } else {
        "bijeenkomsten"
    };
    format!("Agenda: {n} {noun} in {PERIOD}")
}

fn entry(ctx: &AgendaMails, it: &AgendaItem) -> Entry {
    Entry {
        title: it.title.trim().to_string(),
        when: when_item(it, ctx.tz),
        location: it.location.trim().to_string(),
        url: it.url.trim().to_string(),
        workshop: it
            .workshop
            .as_ref()
            .and_then(|slug| {
                ctx.catalogue
                    .offered_name(SegmentKind::Workshop, slug.as_str())
            })
            .unwrap_or_default(),
        themes: it
            .interests
            .iter()
            .filter_map(|slug| {
                ctx.catalogue
                    .offered_name(SegmentKind::Interest, slug.as_str())
            })
            .collect(),
        cancelled: it.cancelled,
    }
}

/// The plain-text part: the same facts as the HTML, links written out.
fn text_part(
    subject: &str,
    greeting: &str,
    entries: &[Entry],
    preferences_url: &str,
    unsubscribe_url: &str,
) -> String {
    let mut t = format!(
        "{subject}\n\nBeste {greeting},\n\nDit staat {PERIOD} op de agenda van je werkplaatsen en thema's.\n"
    );
    for (i, e) in entries.iter().enumerate() {
        let status = if e.cancelled { "Gaat niet door: " } else { "" };
        t.push_str(&format!("\n{}. {status}{}\n", i + 1, e.title));
        t.push_str(&format!("   Wanneer: {}\n", e.when));
        if !e.location.is_empty() {
            t.push_str(&format!("   Waar: {}\n", e.location));
        }
        if !e.workshop.is_empty() {
            t.push_str(&format!("   Werkplaats: {}\n", e.workshop));
        }
        if !e.themes.is_empty() {
            let label = if e.themes.len() == 1 {
                "Thema"
            } else {
                "Thema's"
            };
            t.push_str(&format!("   {label}: {}\n", e.themes.join(", ")));
        }
        if !e.url.is_empty() {
            t.push_str(&format!("   Meer informatie: {}\n", e.url));
        }
    }
    t.push_str(&format!(
        "\n{REASON}\n\nVoorkeuren aanpassen of dit overzicht uitzetten:\n{preferences_url}\n\nAfmelden:\n{unsubscribe_url}\n"
    ));
    t
}
