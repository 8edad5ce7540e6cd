//! `postbode check FILE…` and `postbode render FILE --out DIR`: the daemon's
//! own pipeline, without a database.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;
use crate::domain::clock::{Clock, SystemClock};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::email::SubscriberEmail;
use crate::domain::issue::Body;
use crate::domain::name::SubscriberName;
use crate::domain::subscriber::Language;
use crate::domain::texts::tr;
use crate::logging::{say, say_err};
use crate::mail::{Composer, Kind};
use crate::newsletters::IssuePipeline;
use crate::newsletters::ingest::find_key;
use crate::newsletters::validation;
use crate::render::MergeValues;

/// Errors make the exit status 1; warnings (agenda items that get no or
/// earlier reminders, see `agenda_checks`) are printed after them, as
/// `file:line:col: warning: …`, and leave it 0. The configuration is checked as
/// `serve` would check it, so a DKIM key the daemon cannot use fails here too.
pub fn check(config: &Config, files: &[std::path::PathBuf]) -> Result<ExitCode> {
    Composer::new(config)?;
    let pipeline = IssuePipeline::new(config);
    let mut failed = false;
    let now = SystemClock.now();
    let tz = config.timezone();
    let lang = config.platform.language;
    for file in files {
        let loaded = match pipeline.load_file(file) {
            Ok(l) => l,
            Err(diags) => {
                failed = true;
                for d in diags {
                    say_err!("{d}");
                }
                continue;
            }
        };
        let issue = loaded.issue();
        let shown = &loaded.name.shown;
        let warnings = validation::all_warnings(&loaded, now, tz, lang);
        let sections = match &issue.body {
            Body::Markdown { sections, .. } => sections.len(),
            Body::Mjml(_) => 0,
        };
        let when = match issue.send_at {
            None => tr!(lang, "issues.check_draft"),
            Some(t) if t <= now => {
                failed = true;
                let (line, col) = find_key(&loaded.text, "send_at");
                let msg = tr!(lang, "issues.send_at_past");
                say_err!("{shown}:{line}:{col}: {msg}");
                print_warnings(&warnings, lang);
                continue;
            }
            Some(t) => {
                let at = t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z");
                tr!(lang, "issues.check_send_at", at = at)
            }
        };
        let subject = format!("{:?}", issue.subject);
        let line = tr!(
            lang,
            "issues.check_ok",
            file = shown,
            subject = subject,
            sections = sections,
            items = issue.agenda.len(),
            when = when
        );
        say!("{line}");
        print_warnings(&warnings, lang);
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_warnings(warnings: &[Diagnostic], lang: crate::domain::language::Language) {
    for w in warnings {
        say_err!("{}", w.as_warning(lang));
    }
}

pub fn render(
    config: &Config,
    file: &Path,
    out: &Path,
    workshops: &[String],
    interests: &[String],
) -> Result<ExitCode> {
    let loaded = match IssuePipeline::new(config).load_file(file) {
        Ok(l) => l,
        Err(diags) => {
            for d in diags {
                say_err!("{d}");
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let segments = config
        .catalogue()
        .segments(workshops, interests)
        .map_err(|unknown| {
            let list: Vec<String> = unknown.iter().map(ToString::to_string).collect();
            anyhow::anyhow!("--workshops/--interests: {}", list.join(", "))
        })?;
    let issue = loaded.issue();
    let variant = loaded
        .renderer
        .variant(&issue.variant_key(&segments))
        .map_err(|d| anyhow::anyhow!("{d}"))?;
    let base = config.base_url();
    let values = MergeValues {
        name: SubscriberName::default().greeting(Language::Nl),
        preferences_url: format!("{base}/preferences/voorbeeld"),
        unsubscribe_url: format!("{base}/unsubscribe/voorbeeld"),
        archive_url: format!("{base}/archive/{}", issue.slug),
    };
    let (html, text) = variant.personalise(&values);
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    std::fs::write(out.join("index.html"), &html)?;
    std::fs::write(out.join("index.txt"), &text)?;
    let composer = Composer::new(config)?;
    let kind = Kind::Bulk {
        unsubscribe_url: values.unsubscribe_url.clone(),
        auto_submitted: false,
    };
    let subject = variant.subject(&values);
    let reader = SubscriberEmail::parse("lezer@example.org").map_err(|e| anyhow::anyhow!("{e}"))?;
    // As delivery builds it: the body spliced from the variant's encoded text.
    let encoded = variant.encoded();
    let msg = composer.compose_encoded(
        &reader,
        &SubscriberName::default(),
        &subject,
        encoded.boundary(),
        encoded.body(&values),
        &kind,
    )?;
    std::fs::write(out.join("message.eml"), &msg.bytes)?;
    say!(
        "wrote index.html, index.txt and message.eml to {}",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}
