//! `postbode check --links [--strict] FILE…`: the normal check, then every
//! link and image of each valid issue fetched and reported at its line.
//! Broken links are warnings, unless `--strict` or the issue's `links:
//! strict` makes them errors (exit status 1).

use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::check::check;
use crate::config::Config;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::issue::LinkPolicy;
use crate::linkcheck::{
    Fetcher, LinkResult, Options, check_links, describe, links, locate, summary,
};
use crate::logging::{say, say_err};
use crate::newsletters::IssuePipeline;

pub async fn check_with_links(
    config: &Config,
    files: &[PathBuf],
    strict: bool,
    timeout_secs: u64,
) -> Result<ExitCode> {
    let mut failed = check(config, files)? != ExitCode::SUCCESS;
    let lang = config.platform.language;
    let pipeline = IssuePipeline::new(config);
    let fetcher = Fetcher::new(Options {
        timeout: Duration::from_secs(timeout_secs),
        ..Options::default()
    })?;
    for file in files {
        // Files with errors were reported above; their links wait for a fix.
        let Ok(loaded) = pipeline.load_file(file) else {
            continue;
        };
        let shown = &loaded.name.shown;
        let found = links(loaded.issue());
        if found.is_empty() {
            say!(
                "{}",
                crate::domain::texts::tr!(lang, "links.none", file = shown)
            );
            continue;
        }
        let places = locate(&loaded.text, &found);
        let results = check_links(&fetcher, found).await;
        let policy = loaded.issue().links;
        let as_error = strict || policy == LinkPolicy::Strict;
        say!(
            "{}",
            crate::domain::texts::tr!(lang, "links.heading", file = shown)
        );
        for (r, at) in results.iter().zip(&places) {
            print_one(shown, r, *at, as_error, lang, timeout_secs);
        }
        say!("{}", summary_line(lang, &results, timeout_secs));
        if as_error && results.iter().any(|r| r.outcome.is_broken()) {
            failed = true;
            let why = if strict {
                crate::domain::texts::tr!(lang, "links.strict_flag")
            } else {
                crate::domain::texts::tr!(lang, "links.strict_front_matter")
            };
            say_err!(
                "{}",
                crate::domain::texts::tr!(lang, "links.strict", file = shown, why = why)
            );
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A working or skipped link on stdout; a broken one on stderr, as a
/// warning or (strict) an error at its place.
fn print_one(
    file: &str,
    r: &LinkResult,
    at: Option<(usize, usize)>,
    as_error: bool,
    lang: crate::domain::language::Language,
    timeout_secs: u64,
) {
    let (line, col) = at.unwrap_or((1, 1));
    let d = Diagnostic::new(file, line, col, describe(lang, r, timeout_secs));
    if let Some(w) = r.image_warning(lang) {
        say!("{d}");
        say_err!("{}", Diagnostic::new(file, line, col, w).as_warning(lang));
    } else if !r.outcome.is_broken() {
        say!("{d}");
    } else if as_error {
        say_err!("{d}");
    } else {
        say_err!("{}", d.as_warning(lang));
    }
}

/// The counts only; the links themselves were printed one by one.
fn summary_line(
    lang: crate::domain::language::Language,
    results: &[LinkResult],
    timeout_secs: u64,
) -> String {
    summary(lang, results, timeout_secs)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}
