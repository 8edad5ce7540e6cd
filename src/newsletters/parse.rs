//! From an editor's text to an [`Issue`], or to every error in it at once.

use std::path::PathBuf;

use super::file::IssueName;
use super::front_matter;
use super::locate::Locator;
use super::raw::RawFrontMatter;
use super::rules::Rules;
use super::sections::{check_merge_tags, split_sections};
use super::source;
use super::yaml_words;
use crate::config::Config;
use crate::domain::diagnostic::{Diagnostic, line_col};
use crate::domain::issue::{Body, Issue};
use crate::domain::language::Language;
use crate::domain::offset::Offset;
use crate::domain::segments::Catalogue;
use crate::domain::texts::tr;
use crate::render::nesting;

/// What parsing needs from the configuration.
#[derive(Debug, Clone)]
pub struct ParseContext {
    pub tz: chrono_tz::Tz,
    pub catalogue: Catalogue,
    pub templates_dir: PathBuf,
    pub default_offsets: Vec<Offset>,
    /// When reminders of whole-day meetings go out (`reminders.all_day_at`).
    pub all_day_at: chrono::NaiveTime,
    /// The language of the messages to editors (`platform.language`).
    pub language: Language,
}

impl ParseContext {
    pub fn from_config(config: &Config) -> Self {
        Self {
            tz: config.timezone(),
            catalogue: config.catalogue(),
            templates_dir: config.templates_dir(),
            default_offsets: config.default_offsets(),
            all_day_at: config.reminders.all_day_at,
            language: config.platform.language,
        }
    }
}

/// Parses and checks one issue's text. `name` says where it came from.
pub fn parse_issue(
    name: &IssueName,
    raw: &str,
    ctx: &ParseContext,
) -> Result<Issue, Vec<Diagnostic>> {
    let file = name.shown.as_str();
    let diag = |line, col, msg: String| Diagnostic::new(file, line, col, msg);
    let lang = ctx.language;
    let src = match source::split(raw) {
        Ok(s) => s,
        Err((line, key)) => return Err(vec![diag(line, 1, tr!(lang, key))]),
    };
    let fm: RawFrontMatter = if src.front_matter.trim().is_empty() {
        return Err(vec![diag(2, 1, tr!(lang, "issues.front_matter_empty"))]);
    } else {
        match serde_norway::from_str(&src.front_matter) {
            Ok(fm) => fm,
            Err(e) => {
                let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                let (line, col) = yaml_words::better_place(&msg, &src.front_matter)
                    .map_or((line, col), |(l, c)| (l + 1, c));
                let text = src.front_matter.lines().nth(line.saturating_sub(1));
                return Err(vec![diag(
                    src.front_matter_line + line - 1,
                    col,
                    yaml_words::advice(&msg, text.unwrap_or(""), lang),
                )]);
            }
        }
    };
    let loc = Locator::new(&src.front_matter, src.front_matter_line);
    let template_exists = |t: &str| ctx.templates_dir.join(format!("{t}.mjml")).is_file();
    // A raw MJML issue brings its own layout: the template key does not apply.
    let always = |_: &str| true;
    let rules = Rules {
        tz: ctx.tz,
        catalogue: &ctx.catalogue,
        template_exists: if name.is_mjml {
            &always
        } else {
            &template_exists
        },
        default_offsets: ctx.default_offsets.clone(),
        all_day_at: ctx.all_day_at,
        lang,
    };
    let (checked, located) = front_matter::check(fm, &loc, &rules);
    let mut errors: Vec<Diagnostic> = located.into_iter().map(|(l, c, m)| diag(l, c, m)).collect();

    for (_, why) in check_merge_tags(&checked.subject, false, lang) {
        let (l, c) = loc.find(0, "subject", None);
        errors.push(diag(l, c, tr!(lang, "issues.subject_merge_tag", why = why)));
    }
    for (byte, msg) in check_merge_tags(&src.body, !name.is_mjml, lang) {
        let (l, c) = line_col(&src.text, src.body_offset + byte);
        errors.push(diag(l, c, msg));
    }
    let at_body = |byte: usize, msg: String| {
        let (l, c) = line_col(&src.text, src.body_offset + byte);
        diag(l, c, msg)
    };
    let body = if name.is_mjml {
        // Nesting first: what mrml may not see must not reach it.
        match nesting::check_tags(&src.body) {
            Err((byte, msg)) => errors.push(at_body(byte, msg)),
            Ok(()) => {
                let found = crate::render::validate::check_mjml_issue(&src.body, ctx.language);
                errors.extend(found.into_iter().map(|(byte, msg)| at_body(byte, msg)));
            }
        }
        Body::Mjml(src.body.clone())
    } else {
        if let Err((byte, msg)) = nesting::check_markdown(&src.body) {
            errors.push(at_body(byte, msg));
        }
        let (parsed, errs) = split_sections(&src.body, src.body_line, &ctx.catalogue, lang);
        errors.extend(errs.into_iter().map(|(l, c, m)| diag(l, c, m)));
        Body::Markdown {
            intro: parsed.intro,
            sections: parsed.sections,
            closing: parsed.closing,
        }
    };
    if !errors.is_empty() {
        errors.sort_by_key(|d| (d.line, d.col));
        return Err(errors);
    }
    Ok(Issue {
        slug: name.slug.clone(),
        subject: checked.subject,
        preheader: checked.preheader,
        send_at: checked.send_at,
        template: checked.template,
        audience: checked.audience,
        agenda: checked.agenda,
        body,
        links: checked.links,
    })
}
