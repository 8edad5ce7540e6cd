//! From an editor's file to an [`Issue`], or to every error in it at once.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, line_col};
use super::front_matter::{self, RawFrontMatter, Rules};
use super::locate::Locator;
use super::sections::{check_merge_tags, split_sections};
use super::source;
use crate::config::Config;
use crate::domain::issue::{Body, Issue};
use crate::domain::offset::Offset;

/// What parsing needs from the configuration.
pub struct ParseContext {
    pub tz: chrono_tz::Tz,
    pub workshops: Vec<String>,
    pub interests: Vec<String>,
    pub templates_dir: PathBuf,
    pub default_offsets: Vec<Offset>,
}

impl ParseContext {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        Ok(Self {
            tz: config.timezone()?,
            workshops: config.workshops.iter().map(|w| w.slug.clone()).collect(),
            interests: config.interests.iter().map(|w| w.slug.clone()).collect(),
            templates_dir: config.templates_dir(),
            default_offsets: config.default_offsets(),
        })
    }
}

/// True for names the folder watcher takes as issues: `*.md` and `*.mjml`, not
/// hidden, not `_draft`, not an editor's temp or backup file.
pub fn is_issue_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if name.starts_with(['.', '_', '~', '#']) || name.contains("~$") {
        return false;
    }
    (name.ends_with(".md") || name.ends_with(".mjml")) && slug_of(path).is_some()
}

/// The file stem is the issue's slug.
pub fn slug_of(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    crate::domain::slug::Slug::parse(stem)
        .ok()
        .map(|s| s.to_string())
}

/// Parses and checks one issue. `file` is how the path is shown in messages.
pub fn parse_issue(
    file: &str,
    path: &Path,
    raw: &str,
    ctx: &ParseContext,
) -> Result<Issue, Vec<Diagnostic>> {
    let diag = |line, col, msg: String| Diagnostic::new(file, line, col, msg);
    let Some(slug) = slug_of(path) else {
        return Err(vec![diag(1, 1, "the file name must be a slug (lower-case letters, digits, dashes), e.g. 2026-12-platformnieuws.md".into())]);
    };
    let src = match source::split(raw) {
        Ok(s) => s,
        Err((line, msg)) => return Err(vec![diag(line, 1, msg)]),
    };
    let fm: RawFrontMatter = if src.front_matter.trim().is_empty() {
        return Err(vec![diag(
            2,
            1,
            "the front matter is empty: add at least `subject: …`".into(),
        )]);
    } else {
        match serde_norway::from_str(&src.front_matter) {
            Ok(fm) => fm,
            Err(e) => {
                let (line, col) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                return Err(vec![diag(
                    src.front_matter_line + line - 1,
                    col,
                    yaml_advice(&msg),
                )]);
            }
        }
    };
    let loc = Locator::new(&src.front_matter, src.front_matter_line);
    let is_w = |s: &str| ctx.workshops.iter().any(|w| w == s);
    let is_i = |s: &str| ctx.interests.iter().any(|w| w == s);
    let template_exists = |t: &str| {
        crate::domain::slug::Slug::parse(t).is_ok()
            && ctx.templates_dir.join(format!("{t}.mjml")).is_file()
    };
    let rules = Rules {
        tz: ctx.tz,
        workshops: &is_w,
        interests: &is_i,
        template_exists: &template_exists,
        default_offsets: ctx.default_offsets.clone(),
    };
    let is_mjml = path.extension().is_some_and(|e| e == "mjml");
    let (checked, located) = if is_mjml {
        // A raw MJML issue brings its own layout: the template key does not apply.
        let always = |_: &str| true;
        front_matter::check(
            fm,
            &loc,
            &Rules {
                template_exists: &always,
                ..rules
            },
        )
    } else {
        front_matter::check(fm, &loc, &rules)
    };
    let mut errors: Vec<Diagnostic> = located.into_iter().map(|(l, c, m)| diag(l, c, m)).collect();

    for (_, msg) in check_merge_tags(&checked.subject) {
        let (l, c) = loc.find(0, "subject", None);
        errors.push(diag(l, c, format!("subject: {msg}")));
    }
    for (byte, msg) in check_merge_tags(&src.body) {
        let (l, c) = line_col(&src.text, src.body_offset + byte);
        errors.push(diag(l, c, msg));
    }
    let body = if is_mjml {
        if let Err((byte, msg)) = crate::render::compile::check_mjml(&src.body) {
            let (l, c) = line_col(&src.text, src.body_offset + byte);
            errors.push(diag(l, c, msg));
        }
        Body::Mjml(src.body.clone())
    } else {
        let (parsed, errs) = split_sections(&src.body, src.body_line, &is_w, &is_i);
        errors.extend(errs.into_iter().map(|(l, c, m)| diag(l, c, m)));
        Body::Markdown {
            intro: parsed.intro,
            sections: parsed.sections,
        }
    };
    if !errors.is_empty() {
        errors.sort_by_key(|d| (d.line, d.col));
        return Err(errors);
    }
    Ok(Issue {
        slug,
        subject: checked.subject,
        preheader: checked.preheader,
        send_at: checked.send_at,
        template: checked.template,
        audience: checked.audience,
        agenda: checked.agenda,
        body,
    })
}

/// serde's wording is for programmers; say what the editor should do.
fn yaml_advice(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let name = rest.split(',').next().unwrap_or(rest);
        let known = rest.split_once("expected one of ").map_or("", |(_, k)| k);
        return format!(
            "unknown front-matter key {name}: check the spelling; the keys are {known}"
        );
    }
    if msg.starts_with("invalid type") {
        return format!(
            "{msg}: put the value in quotes when it contains [ ] {{ }} : or #, e.g. subject: \"[Nieuws] december\""
        );
    }
    if msg.starts_with("duplicate field") || msg.contains("duplicate entry") {
        return format!("{msg}: each key may appear once; remove one of them");
    }
    format!("front matter is not valid YAML: {msg}; check quotes, colons and indentation")
}
