//! `postbode check FILE…` and `postbode render FILE --out DIR`.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::context::display_name;
use crate::domain::subscriber::{Language, Segments};
use crate::mailer::{Composer, Kind};
use crate::newsletters::agenda_checks::agenda_warnings;
use crate::newsletters::{Diagnostic, ParseContext, parse_issue};
use crate::render::IssueRenderer;
use crate::render::MergeValues;
use crate::render::layout::Layouts;
use crate::render::variant::PlatformInfo;

/// Parses and compiles one file as the daemon would, without a database;
/// also returns the file's text.
fn load(config: &Config, file: &Path) -> Result<(IssueRenderer, String), Vec<Diagnostic>> {
    let shown = file.display().to_string();
    let raw = std::fs::read(file).map_err(|e| {
        vec![Diagnostic::new(
            &shown,
            1,
            1,
            format!("cannot read the file: {e}"),
        )]
    })?;
    let raw = String::from_utf8(raw).map_err(|_| {
        vec![Diagnostic::new(
            &shown,
            1,
            1,
            "the file is not UTF-8 text; save it as UTF-8",
        )]
    })?;
    let ctx = ParseContext::from_config(config)
        .map_err(|e| vec![Diagnostic::new(&shown, 1, 1, e.to_string())])?;
    let issue = parse_issue(&shown, file, &raw, &ctx)?;
    let tz = config
        .timezone()
        .map_err(|e| vec![Diagnostic::new(&shown, 1, 1, e.to_string())])?;
    let layouts = Arc::new(Layouts::new(&config.templates_dir()));
    let r = IssueRenderer::new(
        Arc::new(issue),
        PlatformInfo::from_config(config),
        tz,
        layouts,
    );
    r.variant(&r.issue.full_key()).map_err(|d| vec![d])?;
    Ok((r, raw))
}

/// Errors make the exit status 1; warnings (agenda items that get no or
/// earlier reminders, see `agenda_checks`) are printed after them, as
/// `file:line:col: warning: …`, and leave it 0. The configuration is checked as
/// `serve` would check it, so a DKIM key the daemon cannot use fails here too.
pub async fn check(config: Config, files: &[std::path::PathBuf]) -> Result<ExitCode> {
    Composer::new(&config)?;
    let mut failed = false;
    let now = SystemClock.now();
    let tz = config.timezone()?;
    for file in files {
        match load(&config, file) {
            Ok((r, raw)) => {
                let issue = &r.issue;
                let shown = file.display().to_string();
                let warnings = agenda_warnings(&shown, &raw, issue, now, tz);
                let sections = match &issue.body {
                    crate::domain::issue::Body::Markdown { sections, .. } => sections.len(),
                    crate::domain::issue::Body::Mjml(_) => 0,
                };
                let when = match issue.send_at {
                    None => "draft (no send_at)".to_string(),
                    Some(t) if t <= now => {
                        failed = true;
                        let (line, col) = crate::newsletters::ingest::find_key(&raw, "send_at");
                        eprintln!(
                            "{shown}:{line}:{col}: send_at lies in the past: set a future time, or remove send_at to keep it as a draft"
                        );
                        print_warnings(&warnings);
                        continue;
                    }
                    Some(t) => format!(
                        "to be sent {}",
                        t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
                    ),
                };
                println!(
                    "ok: {shown} — {:?}, {sections} sections, {} agenda items, {when}",
                    issue.subject,
                    issue.agenda.len()
                );
                print_warnings(&warnings);
            }
            Err(diags) => {
                failed = true;
                for d in diags {
                    eprintln!("{d}");
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_warnings(warnings: &[Diagnostic]) {
    for w in warnings {
        eprintln!("{}", w.as_warning());
    }
}

pub async fn render(
    config: Config,
    file: &Path,
    out: &Path,
    workshops: Vec<String>,
    interests: Vec<String>,
) -> Result<ExitCode> {
    let r = match load(&config, file) {
        Ok((r, _)) => r,
        Err(diags) => {
            for d in diags {
                eprintln!("{d}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    for w in &workshops {
        anyhow::ensure!(config.is_workshop(w), "--workshops: unknown workshop {w:?}");
    }
    for i in &interests {
        anyhow::ensure!(config.is_interest(i), "--interests: unknown interest {i:?}");
    }
    let segments = Segments {
        workshops,
        interests,
    };
    let variant = r
        .variant(&r.issue.variant_key(&segments))
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let base = config.base_url();
    let values = MergeValues {
        name: display_name("", Language::Nl),
        preferences_url: format!("{base}/preferences/voorbeeld"),
        unsubscribe_url: format!("{base}/unsubscribe/voorbeeld"),
        archive_url: format!("{base}/archive/{}", r.issue.slug),
    };
    let (html, text) = variant.personalise(&values);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    std::fs::write(out.join("index.html"), &html)?;
    std::fs::write(out.join("index.txt"), &text)?;
    let composer = Composer::new(&config)?;
    let kind = Kind::Bulk {
        unsubscribe_url: values.unsubscribe_url.clone(),
        auto_submitted: false,
    };
    let subject = variant.subject(&values);
    let msg = composer.compose("lezer@example.org", "", &subject, text, html, &kind)?;
    std::fs::write(out.join("message.eml"), &msg.bytes)?;
    println!(
        "wrote index.html, index.txt and message.eml to {}",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
