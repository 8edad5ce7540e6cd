//! The one way an issue's text becomes something to send: parsed, checked
//! and compiled into a [`LoadedIssue`], kept by content hash. The folder
//! watcher, `check`, `render`, `send`, proofs, the scheduler, the sender and
//! the archive all load issues here, so a text is parsed and compiled once,
//! however many of them ask.

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::file::{IssueName, read_issue_file};
use super::parse::{ParseContext, parse_issue};
use super::validation::layout_errors;
use crate::config::Config;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::issue::Issue;
use crate::domain::texts::tr;
use crate::render::IssueRenderer;
use crate::render::layout::Layouts;
use crate::render::variant::{PlatformInfo, Variant};
use crate::storage::issues::SendPlan;

/// How many loaded issues are kept: those being sent, edited and viewed.
const KEPT: usize = 16;

/// An issue ready to send: parsed, checked, and its full variant compiled.
pub struct LoadedIssue {
    pub name: IssueName,
    /// SHA-256 of the text, hex.
    pub hash: String,
    /// The text it was loaded from.
    pub text: String,
    pub renderer: IssueRenderer,
}

impl LoadedIssue {
    pub fn issue(&self) -> &Issue {
        &self.renderer.issue
    }

    /// What starting to send needs, stored with the issue.
    pub fn plan(&self) -> SendPlan {
        let issue = self.issue();
        SendPlan {
            audience: issue.audience.clone(),
            agenda: issue.agenda.clone(),
        }
    }

    /// Every section: what editors and the archive see.
    pub fn full_variant(&self) -> Result<Arc<Variant>, Diagnostic> {
        self.renderer.variant(&self.issue().full_key())
    }
}

pub struct IssuePipeline {
    parse: ParseContext,
    platform: PlatformInfo,
    templates_dir: PathBuf,
    max_bytes: u64,
    /// Most recently used first.
    kept: Mutex<Vec<(String, Arc<LoadedIssue>)>>,
}

impl IssuePipeline {
    pub fn new(config: &Config) -> Self {
        Self {
            parse: ParseContext::from_config(config),
            platform: PlatformInfo::from_config(config),
            templates_dir: config.templates_dir(),
            max_bytes: config.limits.issue_file_bytes,
            kept: Mutex::new(Vec::new()),
        }
    }

    /// The platform's zone, in which editors write their times.
    pub fn timezone(&self) -> chrono_tz::Tz {
        self.parse.tz
    }

    /// The language of what is said to the editors about their files.
    pub fn language(&self) -> crate::domain::language::Language {
        self.parse.language
    }

    /// Reads an issue file within the limits (size, kind, UTF-8).
    pub fn read(&self, path: &Path) -> Result<String, Diagnostic> {
        read_issue_file(path, self.max_bytes)
    }

    /// Reads and loads a file: what `check`, `render` and `send` do.
    pub fn load_file(&self, path: &Path) -> Result<Arc<LoadedIssue>, Vec<Diagnostic>> {
        let shown = path.display().to_string();
        let name = match super::file::judge(path) {
            super::file::Judged::Issue(name) => name,
            super::file::Judged::Misnamed(m) => {
                return Err(vec![Diagnostic::new(
                    &shown,
                    1,
                    1,
                    m.explain(self.language()),
                )]);
            }
            super::file::Judged::Ignored => {
                let why = tr!(self.language(), "issues.file_ignored");
                return Err(vec![Diagnostic::new(&shown, 1, 1, why)]);
            }
        };
        let text = self.read(path).map_err(|d| vec![d])?;
        self.load(&name, &text)
    }

    /// Loads an issue as stored in the database, under the file name it was taken from.
    pub fn load_stored(&self, file: &str, text: &str) -> Result<Arc<LoadedIssue>, Vec<Diagnostic>> {
        let name = IssueName::of(Path::new(file)).ok_or_else(|| {
            vec![Diagnostic::new(
                file,
                1,
                1,
                "the stored file name is not an issue name",
            )]
        })?;
        self.load(&name, text)
    }

    /// The one function from text to a loaded issue. The same text (with
    /// the same layouts) is parsed and compiled once.
    pub fn load(&self, name: &IssueName, text: &str) -> Result<Arc<LoadedIssue>, Vec<Diagnostic>> {
        if text.len() as u64 > self.max_bytes {
            return Err(vec![Diagnostic::new(
                &name.shown,
                1,
                1,
                format!(
                    "the issue is {} KB, more than the {} KB allowed (limits.issue_file_bytes)",
                    text.len().div_ceil(1024),
                    self.max_bytes / 1024
                ),
            )]);
        }
        let hash = content_hash(text);
        let key = format!("{}|{}|{}", name.shown, hash, self.layouts_fingerprint());
        if let Some(hit) = self.kept(&key) {
            return Ok(hit);
        }
        let issue = parse_issue(name, text, &self.parse)?;
        let renderer = IssueRenderer::new(
            Arc::new(issue),
            self.platform.clone(),
            self.parse.tz,
            Arc::new(Layouts::new(&self.templates_dir)),
        );
        let errors = layout_errors(&name.shown, text, &renderer, self.parse.language);
        if !errors.is_empty() {
            return Err(errors);
        }
        let loaded = Arc::new(LoadedIssue {
            name: name.clone(),
            hash,
            text: text.to_string(),
            renderer,
        });
        // Compiling the full issue proves every part of it compiles.
        loaded.full_variant().map_err(|d| vec![d])?;
        self.keep(key, loaded.clone());
        Ok(loaded)
    }

    fn kept(&self, key: &str) -> Option<Arc<LoadedIssue>> {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let i = kept.iter().position(|(k, _)| k == key)?;
        let entry = kept.remove(i);
        let hit = entry.1.clone();
        kept.insert(0, entry);
        Some(hit)
    }

    fn keep(&self, key: String, loaded: Arc<LoadedIssue>) {
        let mut kept = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        kept.retain(|(k, _)| *k != key);
        kept.insert(0, (key, loaded));
        kept.truncate(KEPT);
    }

    /// Changes to any layout file change this, so an edited layout is used
    /// by the next load instead of what was compiled before.
    fn layouts_fingerprint(&self) -> String {
        let mut parts: Vec<String> = std::fs::read_dir(&self.templates_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let meta = e.metadata().ok()?;
                let modified = meta
                    .modified()
                    .ok()?
                    .duration_since(std::time::UNIX_EPOCH)
                    .ok()?;
                Some(format!(
                    "{}:{}:{}",
                    e.file_name().to_string_lossy(),
                    meta.len(),
                    modified.as_nanos()
                ))
            })
            .collect();
        parts.sort();
        content_hash(&parts.join("|"))
    }
}

/// SHA-256 of an issue's text, hex: its identity for "has it changed".
pub fn content_hash(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}
