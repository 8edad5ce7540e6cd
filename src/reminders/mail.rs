//! One reminder, update or cancellation mail for one recipient (SPEC §5, §6):
//! `mjml/reminder.mjml` and a text part in the recipient's language in
//! `multipart/alternative` together with a `text/calendar` part, followed by
//! the same calendar as the attachment `<id>.ics`, all in `multipart/mixed`.

use anyhow::{Result, anyhow};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use minijinja::context;

use super::AgendaMails;
use crate::domain::delivery::AgendaMailKind;
use crate::domain::issue::AgendaItem;
use crate::domain::language::Language;
use crate::domain::subscriber::Recipient;
use crate::domain::texts::tr;
use crate::mail::{Kind, Outgoing};
use crate::render::chrome::words;
use crate::render::compile::compile;
use crate::render::dates::when_item;
use crate::render::ics::{IcsKind, Organizer, item_ics};
use crate::render::layout::Layouts;
use crate::render::{MergeTemplate, MergeValues};

/// Which of the three agenda mails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReminderKind {
    /// The item starts soon.
    Reminder,
    /// The time or place changed after a reminder went out.
    Update,
    /// The item was cancelled after a reminder went out.
    Cancel,
}

impl ReminderKind {
    /// The agenda ledger's kind, when it is one of these three.
    pub fn of(kind: AgendaMailKind) -> Option<Self> {
        match kind {
            AgendaMailKind::Reminder => Some(ReminderKind::Reminder),
            AgendaMailKind::Update => Some(ReminderKind::Update),
            AgendaMailKind::Cancel => Some(ReminderKind::Cancel),
            AgendaMailKind::Digest => None,
        }
    }

    /// The `kind` value `mjml/reminder.mjml` expects, also the end of its
    /// texts' keys (`mail.reminder.subject_update`).
    fn layout_kind(self) -> &'static str {
        match self {
            ReminderKind::Reminder => "reminder",
            ReminderKind::Update => "update",
            ReminderKind::Cancel => "cancel",
        }
    }

    fn ics_kind(self) -> IcsKind {
        match self {
            ReminderKind::Reminder | ReminderKind::Update => IcsKind::Publish,
            ReminderKind::Cancel => IcsKind::Cancel,
        }
    }
}

/// The part of an agenda mail that is the same for every recipient with the
/// same reason: the layout rendered and compiled once, with the two links
/// left as merge tags, so each recipient costs a string fill, not an MJML
/// compile.
#[derive(Debug, Clone)]
pub struct ReminderBody {
    kind: ReminderKind,
    subject: String,
    html: MergeTemplate,
    text: MergeTemplate,
    organizer: Organizer,
}

impl ReminderBody {
    /// Renders `mjml/reminder.mjml` for `item` for readers of `lang`;
    /// `reason` is the sentence telling why the recipient gets it.
    pub fn new(
        ctx: &AgendaMails,
        item: &AgendaItem,
        kind: ReminderKind,
        reason: &str,
        lang: Language,
    ) -> Result<Self> {
        const PREFERENCES: &str = "{{ preferences_url }}";
        const UNSUBSCRIBE: &str = "{{ unsubscribe_url }}";
        let when = when_item(item, ctx.tz, lang);
        let t = words(
            lang,
            "mail.reminder",
            &[("title", &item.title), ("when", &when)],
        );
        let subject = t[&format!("subject_{}", kind.layout_kind())].clone();
        let mjml = Layouts::new(&ctx.templates_dir)
            .render(
                "reminder",
                context! {
                    platform => ctx.platform,
                    item => context! {
                        title => item.title,
                        when => when,
                        location => item.location,
                        url => item.url,
                        description => item.description,
                    },
                    reason => reason,
                    kind => kind.layout_kind(),
                    preferences_url => PREFERENCES,
                    unsubscribe_url => UNSUBSCRIBE,
                    language => lang.as_str(),
                    t => t,
                },
            )
            .map_err(|d| anyhow!("{d}"))?;
        let html = compile(&mjml).map_err(|(_, m)| anyhow!("mjml/reminder.mjml: {m}"))?;
        let links = (PREFERENCES, UNSUBSCRIBE);
        let text = text_part(item, kind, &when, reason, links, lang);
        Ok(Self {
            kind,
            subject,
            html: MergeTemplate::new(&html),
            text: MergeTemplate::new(&text),
            organizer: ctx.organizer.clone(),
        })
    }
}

/// Composes the mail of `kind` about `item` for `r`. `sequence` is the
/// calendar's `SEQUENCE`; `reason` is the sentence telling why `r` gets it;
/// `issue_id` (the issue that announced the item) is the unsubscribe link's
/// context, so an unsubscribe from a reminder counts for that issue.
pub fn compose_reminder(
    ctx: &AgendaMails,
    r: &Recipient,
    item: &AgendaItem,
    kind: ReminderKind,
    sequence: u32,
    reason: &str,
    issue_id: i64,
) -> Result<Outgoing> {
    let body = ReminderBody::new(ctx, item, kind, reason, r.language)?;
    compose_from(ctx, &body, r, item, sequence, issue_id)
}

/// One recipient's mail from a prepared [`ReminderBody`].
pub fn compose_from(
    ctx: &AgendaMails,
    prepared: &ReminderBody,
    r: &Recipient,
    item: &AgendaItem,
    sequence: u32,
    issue_id: i64,
) -> Result<Outgoing> {
    let kind = prepared.kind;
    let values = MergeValues {
        preferences_url: ctx.links.preferences(r.holder()),
        unsubscribe_url: ctx.links.unsubscribe(r.holder(), issue_id),
        ..MergeValues::default()
    };
    let html = prepared.html.render(&values.escaped());
    let text = prepared.text.render(&values);
    let subject = prepared.subject.as_str();
    let unsubscribe_url = values.unsubscribe_url;

    let ics_kind = kind.ics_kind();
    let method = ics_kind.method();
    let ics = item_ics(
        item,
        ics_kind,
        sequence,
        &prepared.organizer,
        ctx.clock.now(),
    );
    let filename = format!("{}.ics", item.id);
    let calendar_type =
        ContentType::parse(&format!("text/calendar; method={method}; charset=UTF-8"))
            .map_err(|e| anyhow!("calendar content type: {e}"))?;
    let attachment_type = ContentType::parse(&format!(
        "text/calendar; method={method}; charset=UTF-8; name=\"{}\"",
        quoted(&filename)
    ))
    .map_err(|e| anyhow!("attachment content type: {e}"))?;

    let body = MultiPart::mixed()
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::plain(text))
                .singlepart(SinglePart::html(html))
                .singlepart(
                    SinglePart::builder()
                        .header(calendar_type)
                        .body(ics.clone()),
                ),
        )
        .singlepart(Attachment::new(filename).body(ics, attachment_type));

    ctx.composer.compose_body(
        &r.email,
        &r.name,
        subject,
        body,
        &Kind::Bulk {
            unsubscribe_url,
            auto_submitted: true,
        },
    )
}

/// The plain-text part: the same facts as the HTML, readable as is.
/// `links`: the preferences and unsubscribe links.
fn text_part(
    item: &AgendaItem,
    kind: ReminderKind,
    when: &str,
    reason: &str,
    links: (&str, &str),
    lang: Language,
) -> String {
    let t = |key: &str| tr!(lang, &format!("mail.reminder.{key}"), title = item.title);
    let mut out = String::new();
    match kind {
        ReminderKind::Reminder => out.push_str(&format!("{}\n\n", t("title_reminder"))),
        ReminderKind::Update => out.push_str(&format!(
            "{}\n\n{}\n\n",
            t("title_update"),
            t("changed_sentence")
        )),
        ReminderKind::Cancel => out.push_str(&format!(
            "{}\n\n{}\n\n",
            t("title_cancel"),
            t("cancelled_sentence")
        )),
    }
    out.push_str(&format!("{}: {when}\n", t("label_when")));
    if !item.location.trim().is_empty() {
        out.push_str(&format!("{}: {}\n", t("label_where"), item.location.trim()));
    }
    if !item.url.trim().is_empty() {
        let label = match kind {
            ReminderKind::Cancel => t("label_agenda"),
            _ => t("more"),
        };
        out.push_str(&format!("{label}: {}\n", item.url.trim()));
    }
    if !item.description.trim().is_empty() {
        out.push_str(&format!("\n{}\n", item.description.trim()));
    }
    out.push('\n');
    out.push_str(&t(&format!("ics_{}", kind.layout_kind())));
    out.push('\n');
    let (preferences_url, unsubscribe_url) = links;
    out.push_str(&format!(
        "\n{reason}\n\n{}:\n{preferences_url}\n\n{}:\n{unsubscribe_url}\n",
        t("preferences"),
        t("unsubscribe")
    ));
    out
}

/// A value for a quoted MIME parameter: no quotes, backslashes or line breaks.
fn quoted(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '"' | '\\') && !c.is_control())
        .collect()
}
