//! `postbode subscribers import FILE.csv`: every row is checked first; one bad
//! row means nothing is imported, and every bad row is reported by line. Then
//! it says what it would do (new, changed, unchanged, suppressed; whether
//! confirmation mails go out) and, on a terminal, asks before doing it.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::{BTreeSet, HashSet};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use super::import_plan::{Plan, plan};
use super::subscribers::{describe, new_subscriber};
use crate::cli::ConsentArgs;
use crate::config::Config;
use crate::domain::links::Holder;
use crate::domain::reply::Outcome;
use crate::domain::segments::Catalogue;
use crate::domain::subscriber::{Status, SubscriberFields, TypedChoices};
use crate::logging::{say, say_err};
use crate::signup::{SignupMail, SignupMails};
use crate::storage::Db;
use crate::storage::privacy::Preferences;
use crate::storage::subscribers::{Added, NewSubscriber};

const COLUMNS: [&str; 6] = [
    "email",
    "name",
    "workshops",
    "interests",
    "language",
    "reminders",
];

/// How to import: the consent stated, and the operator's flags.
pub struct How {
    pub consent: ConsentArgs,
    pub dry_run: bool,
    pub yes: bool,
    pub update: bool,
}

pub async fn import(
    db: &Db,
    config: &Config,
    mails: &SignupMails,
    now: i64,
    file: &Path,
    how: How,
) -> Result<ExitCode> {
    let consent = &how.consent;
    let shown = file.display().to_string();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {shown}"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{shown}: the file is not UTF-8; save it as UTF-8 CSV"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let (rows, errors) = parse_rows(&config.catalogue(), &shown, text, consent);
    if !errors.is_empty() {
        for e in &errors {
            say_err!("{e}");
        }
        say_err!(
            "nothing was imported: fix the {} error(s) above and run the import again",
            errors.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    // An erased or suppressed address is never recreated as a mailable subscriber.
    let plan = plan(db, &rows).await?;
    for i in &plan.suppressed {
        say_err!(
            "skipped {}: the address is on the suppression list",
            rows[*i].fields.email
        );
    }
    tell(&shown, &plan, consent, how.update);
    if how.dry_run {
        say!("dry run: nothing was changed");
        return Ok(ExitCode::SUCCESS);
    }
    if !how.yes && std::io::stdin().is_terminal() && !agreed()? {
        say!("nothing was imported");
        return Ok(ExitCode::FAILURE);
    }
    let updates: Vec<(i64, Preferences)> = if how.update {
        plan.changed
            .iter()
            .map(|(i, id, digest)| {
                let choices = rows[*i].fields.choices.clone();
                let digest = *digest;
                (*id, Preferences { choices, digest })
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut rows = rows;
    let new: BTreeSet<usize> = plan.new.iter().copied().collect();
    let rows: Vec<NewSubscriber> = rows
        .drain(..)
        .enumerate()
        .filter(|(i, _)| new.contains(i))
        .map(|(_, r)| r)
        .collect();
    let bar = ProgressBar::new(rows.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} subscribers")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let added = db
        .import_subscribers(&rows, now, |n| bar.set_position(n as u64))
        .await
        .context("the import failed and was rolled back; nothing was imported")?;
    bar.finish_and_clear();
    let created = added
        .iter()
        .filter(|a| matches!(a, Added::Created(_)))
        .count();
    say!("imported {created} subscribers");
    let mut updated = 0;
    for (id, prefs) in &updates {
        if db.update_choices(*id, prefs, "csv import", "", now).await? {
            updated += 1;
        }
    }
    if how.update {
        say!("changed {updated} existing subscriber(s)");
    }
    if !consent.confirmed {
        let mut failed = 0;
        for (row, a) in rows.iter().zip(&added) {
            if let (Added::Created(id), Status::Pending) = (a, row.status) {
                let (f, c) = (&row.fields, &row.fields.choices);
                let sent = mails
                    .send(
                        SignupMail::Confirm,
                        Holder::new_subscriber(*id),
                        &f.email,
                        c.language,
                    )
                    .await;
                if !matches!(sent, Ok(Outcome::Sent(_))) {
                    failed += 1;
                }
            }
        }
        say!(
            "confirmation mails sent: {}, not delivered: {failed}",
            created - failed
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Says what importing would do.
fn tell(shown: &str, p: &Plan, consent: &ConsentArgs, update: bool) {
    say!(
        "{shown}: {} new, {} changed, {} unchanged, {} on the suppression list (skipped)",
        p.new.len(),
        p.changed.len(),
        p.unchanged,
        p.suppressed.len()
    );
    if !p.new.is_empty() {
        if consent.confirmed {
            say!(
                "the {} new subscriber(s) are active at once, with the consent you stated; no confirmation mail",
                p.new.len()
            );
        } else {
            say!(
                "the {} new subscriber(s) get a confirmation mail and stay pending until they confirm",
                p.new.len()
            );
        }
    }
    if !p.changed.is_empty() {
        if update {
            say!(
                "{} existing subscriber(s) get the name, workshops, interests, language and reminders of their row",
                p.changed.len()
            );
        } else {
            say!(
                "{} existing subscriber(s) differ from their row and are left as they are (add --update to change them)",
                p.changed.len()
            );
        }
    }
}

/// Asks on the terminal; true for yes.
fn agreed() -> Result<bool> {
    print!("Go on? [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes" | "j" | "ja"
    ))
}

/// Parses and checks every row; errors are `FILE:LINE: message`.
fn parse_rows(
    catalogue: &Catalogue,
    shown: &str,
    text: &str,
    consent: &ConsentArgs,
) -> (Vec<NewSubscriber>, Vec<String>) {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(e) => {
            return (
                rows,
                vec![format!("{shown}:1: cannot read the header row: {e}")],
            );
        }
    };
    let missing: Vec<_> = COLUMNS
        .iter()
        .filter(|c| !header.iter().any(|h| h == *c))
        .collect();
    if !missing.is_empty() || header.len() != COLUMNS.len() {
        return (
            rows,
            vec![format!(
                "{shown}:1: the header must be exactly: {} (got: {})",
                COLUMNS.join(","),
                header.join(",")
            )],
        );
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap_or(0);
    let mut seen = HashSet::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(format!("{shown}:{line}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let get = |name: &str| record.get(col(name)).unwrap_or("").to_string();
        let list = |name: &str| -> Vec<String> {
            get(name)
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        };
        let reminders = match get("reminders").to_lowercase().as_str() {
            "yes" | "ja" | "true" | "1" => true,
            "no" | "nee" | "false" | "0" | "" => false,
            other => {
                errors.push(format!(
                    "{shown}:{line}: reminders must be yes or no (got {other:?})"
                ));
                continue;
            }
        };
        let lang = get("language");
        let lang = if lang.is_empty() {
            "nl".to_string()
        } else {
            lang
        };
        let (email, name) = (get("email"), get("name"));
        let (workshops, interests) = (list("workshops"), list("interests"));
        let typed = TypedChoices {
            name: &name,
            workshops: &workshops,
            interests: &interests,
            reminders,
            language: &lang,
        };
        match SubscriberFields::parse(&email, &typed, catalogue) {
            Ok(fields) => {
                if !seen.insert(fields.email.key()) {
                    errors.push(format!(
                        "{shown}:{line}: {} appears twice in this file",
                        fields.email
                    ));
                    continue;
                }
                let source = if consent.confirmed {
                    format!("csv import {shown}")
                } else {
                    "csv import".to_string()
                };
                rows.push(new_subscriber(fields, consent, &source));
            }
            Err(errs) => errors.push(format!("{shown}:{line}: {}", describe(&errs))),
        }
    }
    (rows, errors)
}
