//! Watches `newsletters/`. A file is taken only once its content has been the
//! same for a short while (editors' programs write in several steps), and temp
//! or backup names are never taken. A file that cannot be read within the
//! limits makes its issue invalid with the reason; a removed file cancels its
//! unsent issue. A file that looks meant as an issue but is not read (a name
//! with spaces, `.md.txt`, a Word file) is listed in `status` and the editors
//! get a mail saying what to rename it to. One file's trouble never holds up
//! the others.

use anyhow::Result;
use notify::{RecursiveMode, Watcher};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::domain::clock::{SharedClock, epoch};
use crate::domain::email::SubscriberEmail;
use crate::domain::links::Links;
use crate::linkcheck::report_for_proof;
use crate::mail::Mailer;
use crate::newsletters::editorial;
use crate::newsletters::file::{Judged, Misnamed, judge};
use crate::newsletters::ingest::{Ingested, Intake};
use crate::newsletters::pipeline::{LoadedIssue, content_hash};
use crate::newsletters::proof_summary::{ProofFacts, ProofSummary, proof_summary};
use crate::newsletters::{IssueName, IssuePipeline};
use crate::storage::Db;

/// How long a file's content must stay the same before it is taken.
pub const SETTLE: Duration = Duration::from_millis(400);
/// How long an issue must stay unchanged before its proof goes out: an
/// editor who saves five times in a minute gets one proof, of the last.
pub const PROOF_SETTLE: Duration = Duration::from_secs(10);
/// A rescan now and then, in case the file system drops an event (network shares).
const FALLBACK_SCAN: Duration = Duration::from_secs(10);

/// What the watcher works with.
pub struct WatcherParts {
    pub dir: PathBuf,
    pub db: Db,
    pub clock: SharedClock,
    pub tz: chrono_tz::Tz,
    pub issues: Arc<IssuePipeline>,
    pub mailer: Arc<Mailer>,
    pub links: Links,
    pub editors: Vec<SubscriberEmail>,
    pub wake_scheduler: Arc<Notify>,
    pub wake_sender: Arc<Notify>,
}

pub struct FolderWatcher {
    parts: WatcherParts,
    taken: HashMap<PathBuf, String>,
    settling: HashMap<PathBuf, (String, Instant)>,
    /// Files not read as issues, since when they were first seen.
    misnamed: HashMap<PathBuf, Instant>,
    /// Per issue, the number of its latest change: a proof waiting for an
    /// older one is dropped.
    proof_rounds: Arc<Mutex<HashMap<String, u64>>>,
    first_scan_done: bool,
}

/// One look at a file: its text, or why it cannot be read.
enum Seen {
    Text(String),
    Refused(crate::domain::diagnostic::Diagnostic),
}

impl FolderWatcher {
    pub fn new(parts: WatcherParts) -> Self {
        Self {
            parts,
            taken: HashMap::new(),
            settling: HashMap::new(),
            misnamed: HashMap::new(),
            proof_rounds: Arc::new(Mutex::new(HashMap::new())),
            first_scan_done: false,
        }
    }

    pub async fn run(mut self, shutdown: CancellationToken) -> Result<()> {
        let dir = self.parts.dir.clone();
        std::fs::create_dir_all(&dir)?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
                let _ = tx.send(());
            })?;
        watcher.watch(&dir, RecursiveMode::NonRecursive)?;
        tracing::info!(folder = %dir.display(), "watching for issues");
        loop {
            if let Err(e) = self.scan().await {
                tracing::error!("scanning {} failed: {e:#}", dir.display());
            }
            let wait = if self.settling.is_empty() {
                FALLBACK_SCAN
            } else {
                SETTLE
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                Some(()) = rx.recv() => {
                    // Let a burst of events pass, then look once.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    while rx.try_recv().is_ok() {}
                }
                _ = shutdown.cancelled() => return Ok(()),
            }
        }
    }

    /// One pass over the folder.
    pub async fn scan(&mut self) -> Result<()> {
        let mut present = Vec::new();
        let mut misnamed = Vec::new();
        for entry in std::fs::read_dir(&self.parts.dir)? {
            let path = entry?.path();
            match judge(&path) {
                Judged::Issue(name) => present.push((path, name)),
                Judged::Misnamed(m) => misnamed.push((path, m)),
                Judged::Ignored => {}
            }
        }
        self.report_misnamed(misnamed).await;
        for (path, name) in &present {
            let issues = self.parts.issues.clone();
            let p = path.clone();
            let seen = tokio::task::spawn_blocking(move || match issues.read(&p) {
                Ok(text) => Seen::Text(text),
                Err(why) => Seen::Refused(why),
            })
            .await?;
            let hash = match &seen {
                Seen::Text(text) => content_hash(text),
                Seen::Refused(why) => content_hash(&format!("refused: {why}")),
            };
            if self.taken.get(path) == Some(&hash) {
                self.settling.remove(path);
                continue;
            }
            match self.settling.get(path) {
                Some((h, since)) if *h == hash && since.elapsed() >= SETTLE => {
                    self.settling.remove(path);
                    // A file that could not be taken (the database was busy or
                    // down) is tried again at the next scan.
                    if self.take(name, seen).await {
                        self.taken.insert(path.clone(), hash);
                    }
                }
                Some((h, _)) if *h == hash => {}
                _ => {
                    self.settling.insert(path.clone(), (hash, Instant::now()));
                }
            }
        }
        let paths: Vec<&PathBuf> = present.iter().map(|(p, _)| p).collect();
        let gone: Vec<PathBuf> = self
            .taken
            .keys()
            .filter(|p| !paths.contains(p))
            .cloned()
            .collect();
        for path in gone {
            self.taken.remove(&path);
            self.removed(&path).await;
        }
        self.settling.retain(|p, _| paths.contains(&p));
        if !self.first_scan_done {
            self.first_scan_done = true;
            let slugs: Vec<String> = present.iter().map(|(_, n)| n.slug.to_string()).collect();
            self.cancel_missing(&slugs).await?;
        }
        Ok(())
    }

    /// False when the file could not be taken and should be tried again.
    async fn take(&self, name: &IssueName, seen: Seen) -> bool {
        let p = &self.parts;
        let intake = Intake {
            db: &p.db,
            pipeline: &p.issues,
            tz: p.tz,
            now: p.clock.now(),
        };
        let taken = match seen {
            Seen::Text(text) => {
                // Parsing and compiling is CPU work: off the runtime's threads.
                let issues = p.issues.clone();
                let (n, t) = (name.clone(), text.clone());
                let _ = tokio::task::spawn_blocking(move || issues.load(&n, &t)).await;
                intake.ingest(name, &text).await
            }
            Seen::Refused(why) => intake.refused(name, why).await,
        };
        match taken {
            Ok(Ingested::Stored(_, loaded)) => {
                p.wake_scheduler.notify_one();
                p.wake_sender.notify_one();
                if !p.editors.is_empty() {
                    self.proof_later(loaded);
                }
            }
            Ok(Ingested::Invalid(errors)) => {
                let (mailer, editors, slug) =
                    (p.mailer.clone(), p.editors.clone(), name.slug.to_string());
                let lang = p.issues.language();
                tokio::spawn(async move {
                    let sent = editorial::send_errors(&mailer, &editors, &slug, &errors, lang);
                    if let Err(e) = sent.await {
                        tracing::warn!(issue = %slug, "cannot mail the errors to the editors: {e:#}");
                    }
                });
            }
            Ok(Ingested::Refused) => {
                p.wake_scheduler.notify_one();
                p.wake_sender.notify_one();
            }
            Ok(Ingested::Unchanged) => {}
            Err(e) => {
                tracing::error!("cannot take {} in, trying again: {e:#}", name.shown);
                return false;
            }
        }
        true
    }

    /// Sends the proofs of `loaded` once it has stayed unchanged for
    /// [`PROOF_SETTLE`], in the background: a slow or absent SMTP server
    /// must not hold up the next file.
    fn proof_later(&self, loaded: Arc<LoadedIssue>) {
        let p = &self.parts;
        let slug = loaded.issue().slug.to_string();
        let round = {
            let mut rounds = self.proof_rounds.lock().unwrap_or_else(|e| e.into_inner());
            let r = rounds.entry(slug.clone()).or_default();
            *r += 1;
            *r
        };
        let rounds = self.proof_rounds.clone();
        let (mailer, links, editors) = (p.mailer.clone(), p.links.clone(), p.editors.clone());
        let (db, issues, clock) = (p.db.clone(), p.issues.clone(), p.clock.clone());
        tokio::spawn(async move {
            tokio::time::sleep(PROOF_SETTLE).await;
            let latest = rounds
                .lock()
                .map(|r| r.get(&slug).copied())
                .unwrap_or_default();
            if latest != Some(round) {
                return;
            }
            let link_report = report_for_proof(loaded.issue(), issues.language()).await;
            let facts = ProofFacts {
                db: &db,
                pipeline: &issues,
                links: &links,
                loaded: &loaded,
                now: clock.now(),
                link_report,
            };
            let summary = match proof_summary(&facts).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(issue = %slug, "the proof goes without its summary: {e:#}");
                    ProofSummary::none()
                }
            };
            editorial::send_proofs(&mailer, &links, &editors, &loaded, &summary).await
        });
    }

    /// Lists the files not read as issues, once they have stayed a moment
    /// (an editor's program may pass through such a name while saving), and
    /// mails the editors about each one new to the list.
    async fn report_misnamed(&mut self, files: Vec<(PathBuf, Misnamed)>) {
        let p = &self.parts;
        let now = epoch(p.clock.now());
        let lang = p.issues.language();
        let mut listed = Vec::new();
        for (path, m) in &files {
            let since = *self
                .misnamed
                .entry(path.clone())
                .or_insert_with(Instant::now);
            // The name alone (the editors know the folder), on one line:
            // it goes into a mail's subject, the database and `status`, and
            // a file name may hold line breaks and direction overrides.
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let shown = crate::domain::text::cleaned(&name, 255);
            listed.push(shown.clone());
            if since.elapsed() < SETTLE {
                continue;
            }
            let reason = m.explain(lang);
            match p.db.note_unread_file(&shown, &reason, now).await {
                Ok(true) => {
                    tracing::warn!("{shown}: {reason}");
                    let (mailer, editors) = (p.mailer.clone(), p.editors.clone());
                    tokio::spawn(async move {
                        let sent =
                            editorial::send_unread(&mailer, &editors, &shown, &reason, lang).await;
                        if let Err(e) = sent {
                            tracing::warn!("cannot mail the editors about a file: {e:#}");
                        }
                    });
                }
                Ok(false) => {}
                Err(e) => tracing::error!("cannot list {shown} as not read: {e:#}"),
            }
        }
        self.misnamed
            .retain(|p, _| files.iter().any(|(f, _)| f == p));
        if let Err(e) = self.parts.db.keep_unread_files(&listed).await {
            tracing::error!("cannot update the files not read: {e:#}");
        }
    }

    async fn removed(&self, path: &Path) {
        let Some(name) = IssueName::of(path) else {
            return;
        };
        let now = epoch(self.parts.clock.now());
        match self.parts.db.cancel_issue(name.slug.as_str(), now).await {
            Ok(true) => {
                tracing::info!(issue = %name.slug, "file removed: issue cancelled");
                self.parts.wake_scheduler.notify_one();
            }
            Ok(false) => {}
            Err(e) => tracing::error!(issue = %name.slug, "cannot cancel: {e:#}"),
        }
    }

    /// Files removed while the daemon was down cancel their unsent issues too.
    async fn cancel_missing(&self, present: &[String]) -> Result<()> {
        let db = &self.parts.db;
        let now = epoch(self.parts.clock.now());
        for issue in db.list_issues().await? {
            if !present.contains(&issue.slug) && db.cancel_issue(&issue.slug, now).await? {
                tracing::info!(issue = %issue.slug, "file no longer present: issue cancelled");
            }
        }
        Ok(())
    }
}
