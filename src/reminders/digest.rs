//! The weekly agenda digest for one recipient (SPEC §3 `agenda_digest`, §6):
//! `mjml/digest.mjml` and a text part with the same facts, in the recipient's
//! language, as bulk mail with one-click unsubscribe. Which items go in, and in what order, is the
//! caller's choice; this file only shows them.

use anyhow::{Result, anyhow, bail};
use minijinja::context;
use serde::Serialize;
use std::collections::BTreeMap;

use super::AgendaMails;
use crate::domain::issue::AgendaItem;
use crate::domain::language::Language;
use crate::domain::segments::SegmentKind;
use crate::domain::subscriber::Recipient;
use crate::domain::texts::tr;
use crate::mail::{Kind, Outgoing};
use crate::render::chrome::words;
use crate::render::compile::compile;
use crate::render::dates::when_item;
use crate::render::layout::Layouts;
use crate::render::{MergeTemplate, MergeValues};

/// How far ahead the digest looks. The subject and the introduction name this
/// period (`mail.digest.period`), so the caller selects items that start
/// within it.
pub const DIGEST_DAYS: i64 = 14;

/// One item as the reader sees it: names instead of slugs, the date in the
/// reader's language.
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
    let body = DigestBody::new(ctx, items, r.language)?;
    compose_digest_from(ctx, &body, r, issue_context)
}

/// What is the same in every digest of the same meetings: the layout
/// rendered and compiled once, the greeting and links left as merge tags.
#[derive(Debug, Clone)]
pub struct DigestBody {
    subject: String,
    html: MergeTemplate,
    text: MergeTemplate,
    lang: Language,
}

impl DigestBody {
    /// The digest for readers of `lang`. Refuses an empty list: a digest
    /// without meetings is not worth a mail.
    pub fn new(ctx: &AgendaMails, items: &[AgendaItem], lang: Language) -> Result<Self> {
        const NAME: &str = "{{ subscriber.name }}";
        const PREFERENCES: &str = "{{ preferences_url }}";
        const UNSUBSCRIBE: &str = "{{ unsubscribe_url }}";
        if items.is_empty() {
            bail!("an agenda digest needs at least one item");
        }
        let entries: Vec<Entry> = items.iter().map(|it| entry(ctx, it, lang)).collect();
        let period = tr!(lang, "mail.digest.period");
        let subject = subject(lang, entries.len(), &period);
        let reason = tr!(lang, "mail.digest.reason");
        let t = words(lang, "mail.digest", &[("name", &NAME), ("period", &period)]);
        let mjml = Layouts::new(&ctx.templates_dir)
            .render(
                "digest",
                context! {
                    platform => ctx.platform,
                    subject => subject,
                    greeting => NAME,
                    period => period,
                    items => entries,
                    reason => reason,
                    preferences_url => PREFERENCES,
                    unsubscribe_url => UNSUBSCRIBE,
                    language => lang.as_str(),
                    t => t,
                },
            )
            .map_err(|d| anyhow!("{d}"))?;
        let html = compile(&mjml).map_err(|(_, m)| anyhow!("mjml/digest.mjml: {m}"))?;
        let text = text_part(&t, &subject, &entries, PREFERENCES, UNSUBSCRIBE);
        Ok(Self {
            subject,
            html: MergeTemplate::new(&html),
            text: MergeTemplate::new(&text),
            lang,
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
        // "reader" for a nameless reader of an English digest.
        name: r.name.greeting(body.lang),
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
fn subject(lang: Language, n: usize, period: &str) -> String {
    if n == 1 {
        tr!(lang, "mail.digest.subject_one", period = period)
    } else {
        tr!(lang, "mail.digest.subject_many", n = n, period = period)
    }
}

fn entry(ctx: &AgendaMails, it: &AgendaItem, lang: Language) -> Entry {
    Entry {
        title: it.title.trim().to_string(),
        when: when_item(it, ctx.tz, lang),
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

/// The plain-text part: the same facts as the HTML, links written out;
/// `t` holds the digest's words (see [`words`]).
fn text_part(
    t: &BTreeMap<String, String>,
    subject: &str,
    entries: &[Entry],
    preferences_url: &str,
    unsubscribe_url: &str,
) -> String {
    let mut out = format!("{subject}\n\n{}\n\n{}\n", t["greeting"], t["intro"]);
    for (i, e) in entries.iter().enumerate() {
        let status = if e.cancelled {
            format!("{} ", t["cancelled"])
        } else {
            String::new()
        };
        out.push_str(&format!("\n{}. {status}{}\n", i + 1, e.title));
        out.push_str(&format!("   {}: {}\n", t["label_when"], e.when));
        if !e.location.is_empty() {
            out.push_str(&format!("   {}: {}\n", t["label_where"], e.location));
        }
        if !e.workshop.is_empty() {
            out.push_str(&format!("   {}: {}\n", t["label_workshop"], e.workshop));
        }
        if !e.themes.is_empty() {
            let label = if e.themes.len() == 1 {
                &t["label_theme"]
            } else {
                &t["label_themes"]
            };
            out.push_str(&format!("   {label}: {}\n", e.themes.join(", ")));
        }
        if !e.url.is_empty() {
            out.push_str(&format!("   {}: {}\n", t["more"], e.url));
        }
    }
    out.push_str(&format!(
        "\n{}\n\n{}:\n{preferences_url}\n\n{}:\n{unsubscribe_url}\n",
        t["reason"], t["preferences"], t["unsubscribe"]
    ));
    out
}
