//! `postbode send SLUG --test-to EMAIL`: a proof now, from the file in the folder.

use anyhow::{Result, bail};
use std::path::Path;
use std::process::ExitCode;

use crate::domain::email::SubscriberEmail;
use crate::domain::links::Links;
use crate::domain::redact::redact_addresses;
use crate::domain::reply::Outcome;
use crate::linkcheck::report_for_proof;
use crate::logging::{say, say_err};
use crate::mail::Mailer;
use crate::newsletters::IssuePipeline;
use crate::newsletters::editorial::send_proof;
use crate::newsletters::proof_summary::{ProofFacts, proof_summary};
use crate::storage::Db;

pub struct Proof<'a> {
    pub db: &'a Db,
    pub issues: &'a IssuePipeline,
    pub mailer: &'a Mailer,
    pub links: &'a Links,
    pub newsletters: &'a Path,
}

impl Proof<'_> {
    pub async fn send(&self, slug: &str, to: &str) -> Result<ExitCode> {
        let to = SubscriberEmail::parse(to).map_err(|m| anyhow::anyhow!("--test-to: {m}"))?;
        let path = ["md", "mjml"]
            .iter()
            .map(|ext| self.newsletters.join(format!("{slug}.{ext}")))
            .find(|p| p.exists());
        let loaded = match path {
            Some(p) => self.issues.load_file(&p),
            None => match self.db.issue_by_slug(slug).await? {
                Some(row) => self.issues.load_stored(&row.file, &row.source),
                None => bail!(
                    "no issue {slug:?}: there is no {slug}.md or {slug}.mjml in {}",
                    self.newsletters.display()
                ),
            },
        };
        let loaded = match loaded {
            Ok(l) => l,
            Err(diags) => {
                for d in diags {
                    say_err!("{d}");
                }
                return Ok(ExitCode::FAILURE);
            }
        };
        let now = chrono::Utc::now();
        let link_report = report_for_proof(loaded.issue(), self.issues.language()).await;
        let facts = ProofFacts {
            db: self.db,
            pipeline: self.issues,
            links: self.links,
            loaded: &loaded,
            now,
            link_report,
        };
        let summary = proof_summary(&facts).await?;
        match send_proof(self.mailer, self.links, &loaded, &to, &summary).await? {
            Outcome::Sent(reply) => {
                say!("proof of {slug} sent ({reply})");
                Ok(ExitCode::SUCCESS)
            }
            other => {
                say_err!(
                    "the proof was not delivered: {}",
                    redact_addresses(other.reply())
                );
                Ok(ExitCode::FAILURE)
            }
        }
    }
}
