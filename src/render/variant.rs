//! One compiled variant per distinct set of sections and reader's language:
//! subscribers who get the same sections in the same language share it, so
//! MJML is compiled per variant, never per recipient, and only for the
//! languages someone reads. The language changes the words around the
//! editors' text (see [`super::chrome`]), never the text itself.

use chrono_tz::Tz;
use minijinja::context;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use super::chrome::words;
use super::compile::{compile, html_to_text};
use super::encoded::EncodedBody;
use super::layout::{Layouts, safe};
use super::markdown::to_html;
use super::merge::MergeTemplate;
use super::text::{markdown_to_text, wrap};
use super::tracking::{Targets, rewrite_html, rewrite_text};
use super::{dates, merge::MergeValues};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::issue::{Body, Issue, Section};
use crate::domain::language::Language;
use crate::domain::texts::tr;

/// The platform facts every layout may show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlatformInfo {
    pub name: String,
    pub base_url: String,
    pub accent_color: String,
}

impl PlatformInfo {
    pub fn from_config(c: &crate::config::Config) -> Self {
        Self {
            name: c.platform.name.clone(),
            base_url: c.base_url().to_string(),
            accent_color: c.platform.accent_color.as_str().to_string(),
        }
    }
}

/// A compiled issue for one set of sections, waiting for merge values.
#[derive(Debug)]
pub struct Variant {
    pub html: MergeTemplate,
    pub text: MergeTemplate,
    /// The subject may carry merge tags too ("Nieuws voor {{ subscriber.name }}").
    pub subject: MergeTemplate,
    /// The text and HTML in wire form, made when the first message of this
    /// variant is: its recipients share it (see [`Variant::encoded`]).
    encoded: OnceLock<EncodedBody>,
}

impl Variant {
    pub fn new(html: MergeTemplate, text: MergeTemplate, subject: MergeTemplate) -> Self {
        Self {
            html,
            text,
            subject,
            encoded: OnceLock::new(),
        }
    }

    /// The `multipart/alternative` body, encoded once for every recipient
    /// of this variant; [`EncodedBody::body`] splices in one's values.
    pub fn encoded(&self) -> &EncodedBody {
        self.encoded
            .get_or_init(|| EncodedBody::new(&self.text, &self.html))
    }

    /// The HTML and text for one recipient; `values` are raw, escaping happens here.
    pub fn personalise(&self, values: &MergeValues) -> (String, String) {
        (
            self.html.render(&values.escaped()),
            self.text.render(values),
        )
    }

    /// The same variant with the issue's own links replaced by their
    /// counted links (`tracking.clicks`, see [`super::tracking`]).
    pub fn counted(&self, targets: &Targets) -> Variant {
        Variant::new(
            self.html.map_text(|t| rewrite_html(t, targets)),
            self.text.map_text(|t| rewrite_text(t, targets)),
            self.subject.clone(),
        )
    }

    /// The subject line for one recipient (a header: no HTML escaping).
    pub fn subject(&self, values: &MergeValues) -> String {
        self.subject.render(values)
    }
}

pub struct IssueRenderer {
    pub issue: Arc<Issue>,
    platform: PlatformInfo,
    tz: Tz,
    pub(super) layouts: Arc<Layouts>,
    cache: Mutex<HashMap<VariantKey, Arc<Variant>>>,
    /// The same variants with counted links, made on first use.
    counted: Mutex<HashMap<VariantKey, Arc<Variant>>>,
}

/// What tells variants apart: the sections on (see [`Issue::variant_key`])
/// and the language of the words around them.
type VariantKey = (Vec<bool>, Language);

impl IssueRenderer {
    pub fn new(issue: Arc<Issue>, platform: PlatformInfo, tz: Tz, layouts: Arc<Layouts>) -> Self {
        Self {
            issue,
            platform,
            tz,
            layouts,
            cache: Mutex::new(HashMap::new()),
            counted: Mutex::new(HashMap::new()),
        }
    }

    /// The variant with the sections on in `key` (see [`Issue::variant_key`])
    /// with the words around them in the subscribers' default language:
    /// what proofs, previews, `render` and the archive show.
    pub fn variant(&self, key: &[bool]) -> Result<Arc<Variant>, Diagnostic> {
        self.variant_in(key, Language::default())
    }

    /// The variant with the sections on in `key` (see [`Issue::variant_key`])
    /// for readers of `lang`, compiled on first use.
    pub fn variant_in(&self, key: &[bool], lang: Language) -> Result<Arc<Variant>, Diagnostic> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let key = (key.to_vec(), lang);
        if let Some(v) = cache.get(&key) {
            return Ok(v.clone());
        }
        let v = Arc::new(self.compile(&key.0, lang)?);
        cache.insert(key, v.clone());
        Ok(v)
    }

    /// The variant for `key` and `lang` with counted links; `targets` is
    /// asked for only when the variant is made.
    pub fn counted_variant(
        &self,
        key: &[bool],
        lang: Language,
        targets: impl FnOnce() -> Vec<(String, String)>,
    ) -> Result<Arc<Variant>, Diagnostic> {
        let plain = self.variant_in(key, lang)?;
        let mut counted = self.counted.lock().unwrap_or_else(|p| p.into_inner());
        let key = (key.to_vec(), lang);
        if let Some(v) = counted.get(&key) {
            return Ok(v.clone());
        }
        let v = Arc::new(plain.counted(&targets()));
        counted.insert(key, v.clone());
        Ok(v)
    }

    /// How many variants have been compiled so far.
    pub fn compiled_variants(&self) -> usize {
        self.cache.lock().map(|c| c.len()).unwrap_or(0)
    }

    fn compile(&self, key: &[bool], lang: Language) -> Result<Variant, Diagnostic> {
        let issue = &self.issue;
        match &issue.body {
            Body::Mjml(doc) => {
                let html =
                    compile(doc).map_err(|(_, m)| Diagnostic::new(issue.slug.as_str(), 1, 1, m))?;
                let text = html_to_text(&html)
                    .map_err(|m| Diagnostic::new(issue.slug.as_str(), 1, 1, m))?;
                let text = wrap(&text);
                let text = format!("{}\n\n{}", text.trim_end(), self.footer_text(lang));
                Ok(Variant::new(
                    MergeTemplate::new(&html),
                    MergeTemplate::new(&text),
                    MergeTemplate::new(&issue.subject),
                ))
            }
            Body::Markdown {
                intro,
                sections,
                closing,
            } => {
                let chosen = chosen(sections, key);
                let intro = &with_section_list(intro, &chosen);
                let mjml = self.layout(intro, &chosen, closing, lang)?;
                let html = compile(&mjml).map_err(|(at, m)| {
                    let (line, _) = crate::domain::diagnostic::line_col(&mjml, at);
                    Diagnostic::new(
                        &self
                            .layouts
                            .path_of(issue.template.as_str())
                            .display()
                            .to_string(),
                        1,
                        1,
                        format!("the layout produced {m} (line {line} of the generated MJML)"),
                    )
                })?;
                let text = self.text(intro, &chosen, closing, lang);
                Ok(Variant::new(
                    MergeTemplate::new(&html),
                    MergeTemplate::new(&text),
                    MergeTemplate::new(&issue.subject),
                ))
            }
        }
    }

    /// Runs the issue's layout over the intro and the chosen sections.
    fn layout(
        &self,
        intro: &str,
        chosen: &[&Section],
        closing: &str,
        lang: Language,
    ) -> Result<String, Diagnostic> {
        let ctx = self.context(intro, chosen, closing, lang, &|_, html| safe(html));
        self.layouts.render(self.issue.template.as_str(), ctx)
    }

    /// What the layout sees; `piece` turns the editor's text, rendered as
    /// HTML, into the value the layout gets (its number: 0 the intro, then
    /// the sections, then the closing block). `lang` is the reader's: the
    /// words around the editors' text (`t`) and the agenda's dates.
    pub(super) fn context(
        &self,
        intro: &str,
        chosen: &[&Section],
        closing: &str,
        lang: Language,
        piece: &dyn Fn(usize, String) -> minijinja::Value,
    ) -> minijinja::Value {
        let issue = &self.issue;
        let agenda: Vec<_> = issue
            .agenda
            .iter()
            .map(|a| {
                context! {
                    title => a.title,
                    when => dates::when_item(a, self.tz, lang),
                    location => a.location,
                    url => a.url,
                    cancelled => a.cancelled,
                }
            })
            .collect();
        context! {
            platform => self.platform,
            issue => context! { subject => issue.subject, preheader => issue.preheader, slug => issue.slug },
            intro => piece(0, to_html(intro)),
            sections => chosen.iter().enumerate().map(|(i, s)| context! { title => s.title, html => piece(i + 1, to_html(&s.markdown)) }).collect::<Vec<_>>(),
            agenda => agenda,
            closing => piece(chosen.len() + 1, to_html(closing)),
            subscriber => context! { name => "{{ subscriber.name }}" },
            preferences_url => "{{ preferences_url }}",
            unsubscribe_url => "{{ unsubscribe_url }}",
            archive_url => "{{ archive_url }}",
            language => lang.as_str(),
            t => words(lang, "mail.issue", &[("platform", &self.platform.name)]),
        }
    }

    fn text(&self, intro: &str, sections: &[&Section], closing: &str, lang: Language) -> String {
        let issue = &self.issue;
        let mut out = format!(
            "{}\n{}\n\n",
            issue.subject,
            "=".repeat(issue.subject.chars().count().min(76))
        );
        if !intro.is_empty() {
            out.push_str(&markdown_to_text(intro));
            out.push('\n');
        }
        for s in sections {
            // Titles can be long: wrapped like the text, so no line passes 76.
            out.push_str(&wrap(&format!("## {}", s.title)));
            out.push('\n');
            out.push_str(&markdown_to_text(&s.markdown));
            out.push('\n');
        }
        if !issue.agenda.is_empty() {
            out.push_str(&format!("## {}\n\n", tr!(lang, "mail.issue.agenda")));
            for a in &issue.agenda {
                let mut line = format!("- {}: {}", dates::when_item(a, self.tz, lang), a.title);
                if a.cancelled {
                    line.push(' ');
                    line.push_str(&tr!(lang, "mail.issue.cancelled"));
                }
                if !a.location.is_empty() {
                    line.push_str(&format!(", {}", a.location));
                }
                if !a.url.is_empty() {
                    line.push_str(&format!(" <{}>", a.url));
                }
                out.push_str(&wrap(&line));
            }
            out.push('\n');
        }
        if !closing.is_empty() {
            out.push_str(&markdown_to_text(closing));
            out.push('\n');
        }
        out.push_str(&self.footer_text(lang));
        out
    }

    fn footer_text(&self, lang: Language) -> String {
        format!(
            "----\n{}\n{}: {{{{ preferences_url }}}}\n{}: {{{{ unsubscribe_url }}}}\n{}: {{{{ archive_url }}}}\n",
            self.platform.name,
            tr!(lang, "mail.issue.preferences"),
            tr!(lang, "mail.issue.unsubscribe"),
            tr!(lang, "mail.issue.read_online"),
        )
    }
}

/// The sections switched on in `key`; sections beyond the key are on.
fn chosen<'a>(sections: &'a [Section], key: &[bool]) -> Vec<&'a Section> {
    sections
        .iter()
        .zip(key.iter().chain(std::iter::repeat(&true)))
        .filter(|(_, on)| **on)
        .map(|(s, _)| s)
        .collect()
}

/// The intro with `{{ sections }}` replaced by a list of the titles of the
/// sections this variant holds, so an intro can say what is in it for the
/// reader. Titles are the editors' text: escaped for Markdown and HTML.
pub(super) fn with_section_list(intro: &str, chosen: &[&Section]) -> String {
    if !intro.contains(SECTIONS_TAG) && !intro.contains(SECTIONS_TAG_TIGHT) {
        return intro.to_string();
    }
    let list: String = chosen
        .iter()
        .map(|s| {
            let title = html_escape::encode_text(&s.title);
            let mut escaped = String::with_capacity(title.len());
            for c in title.chars() {
                if matches!(c, '\\' | '*' | '_' | '[' | ']' | '`' | '#' | '|' | '~') {
                    escaped.push('\\');
                }
                escaped.push(c);
            }
            format!("- {escaped}\n")
        })
        .collect();
    // A list needs blank lines around it to be one in Markdown.
    let list = format!("\n\n{list}\n");
    intro
        .replace(SECTIONS_TAG, &list)
        .replace(SECTIONS_TAG_TIGHT, &list)
}

/// The intro's tag for the list of this reader's sections.
pub const SECTIONS_TAG: &str = "{{ sections }}";
const SECTIONS_TAG_TIGHT: &str = "{{sections}}";
