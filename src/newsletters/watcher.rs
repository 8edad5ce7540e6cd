//! Watches `newsletters/`. A file is taken only once its content has been the
//! same for a short while (editors' programs write in several steps), and temp
//! or backup names are never taken. A removed file cancels its unsent issue.

use anyhow::Result;
use notify::{RecursiveMode, Watcher};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use super::editorial;
use super::ingest::{Ingested, content_hash, ingest};
use super::parse::{is_issue_file, slug_of};
use crate::context::Ctx;

/// How long a file's content must stay the same before it is taken.
pub const SETTLE: Duration = Duration::from_millis(400);
/// A rescan now and then, in case the file system drops an event (network shares).
const FALLBACK_SCAN: Duration = Duration::from_secs(10);

pub struct FolderWatcher {
    ctx: Arc<Ctx>,
    dir: PathBuf,
    taken: HashMap<PathBuf, String>,
    settling: HashMap<PathBuf, (String, Instant)>,
    first_scan_done: bool,
}

impl FolderWatcher {
    pub fn new(ctx: Arc<Ctx>) -> Self {
        let dir = ctx.config.newsletters_dir();
        Self {
            ctx,
            dir,
            taken: HashMap::new(),
            settling: HashMap::new(),
            first_scan_done: false,
        }
    }

    pub async fn run(mut self, shutdown: CancellationToken) -> Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
        let mut watcher =
            notify::recommended_watcher(move |_res: notify::Result<notify::Event>| {
                let _ = tx.send(());
            })?;
        watcher.watch(&self.dir, RecursiveMode::NonRecursive)?;
        tracing::info!(folder = %self.dir.display(), "watching for issues");
        loop {
            if let Err(e) = self.scan().await {
                tracing::error!("scanning {} failed: {e:#}", self.dir.display());
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
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.is_file() && is_issue_file(&path) {
                present.push(path);
            }
        }
        for path in &present {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let raw = match String::from_utf8(bytes) {
                Ok(s) => s,
                Err(_) => {
                    if self.taken.get(path).map(String::as_str) != Some("not-utf8") {
                        tracing::warn!(
                            "{}:1:1: the file is not UTF-8 text; save it as UTF-8",
                            path.display()
                        );
                        self.taken.insert(path.clone(), "not-utf8".into());
                    }
                    continue;
                }
            };
            let hash = content_hash(&raw);
            if self.taken.get(path) == Some(&hash) {
                self.settling.remove(path);
                continue;
            }
            match self.settling.get(path) {
                Some((h, since)) if *h == hash && since.elapsed() >= SETTLE => {
                    self.settling.remove(path);
                    // A file that could not be taken (the database was busy or
                    // down) is tried again at the next scan.
                    if self.take(path, &raw).await {
                        self.taken.insert(path.clone(), hash);
                    }
                }
                Some((h, _)) if *h == hash => {}
                _ => {
                    self.settling.insert(path.clone(), (hash, Instant::now()));
                }
            }
        }
        let gone: Vec<PathBuf> = self
            .taken
            .keys()
            .filter(|p| !present.contains(p))
            .cloned()
            .collect();
        for path in gone {
            self.taken.remove(&path);
            self.removed(&path).await;
        }
        self.settling.retain(|p, _| present.contains(p));
        if !self.first_scan_done {
            self.first_scan_done = true;
            self.cancel_missing(&present).await?;
        }
        Ok(())
    }

    /// False when the file could not be taken and should be tried again.
    async fn take(&self, path: &Path, raw: &str) -> bool {
        let ctx = &self.ctx;
        match ingest(ctx, path, raw).await {
            Ok(Ingested::Stored(_)) if !ctx.config.platform.editors.is_empty() => {
                // Proofs go out in the background: a slow or absent SMTP server
                // must not hold up the next file.
                if let Ok(r) = ctx.renderer(&path.display().to_string(), raw) {
                    let ctx = ctx.clone();
                    tokio::spawn(async move { editorial::send_proofs(&ctx, &r).await });
                }
            }
            Ok(Ingested::Invalid(errors)) => {
                if let Some(slug) = slug_of(path) {
                    let ctx = ctx.clone();
                    tokio::spawn(async move {
                        if let Err(e) = editorial::send_errors(&ctx, &slug, &errors).await {
                            tracing::warn!(issue = %slug, "cannot mail the errors to the editors: {e:#}");
                        }
                    });
                }
            }
            Ok(Ingested::Ignored(why)) => tracing::warn!("{why}"),
            Ok(Ingested::Stored(_) | Ingested::Unchanged | Ingested::Refused) => {}
            Err(e) => {
                tracing::error!("cannot take {} in, trying again: {e:#}", path.display());
                return false;
            }
        }
        true
    }

    async fn removed(&self, path: &Path) {
        let Some(slug) = slug_of(path) else { return };
        match self.ctx.db.cancel_issue(&slug, self.ctx.now()).await {
            Ok(true) => tracing::info!(issue = %slug, "file removed: issue cancelled"),
            Ok(false) => {}
            Err(e) => tracing::error!(issue = %slug, "cannot cancel: {e:#}"),
        }
    }

    /// Files removed while the daemon was down cancel their unsent issues too.
    async fn cancel_missing(&self, present: &[PathBuf]) -> Result<()> {
        let slugs: Vec<String> = present.iter().filter_map(|p| slug_of(p)).collect();
        for issue in self.ctx.db.list_issues().await? {
            if !slugs.contains(&issue.slug)
                && self
                    .ctx
                    .db
                    .cancel_issue(&issue.slug, self.ctx.now())
                    .await?
            {
                tracing::info!(issue = %issue.slug, "file no longer present: issue cancelled");
            }
        }
        Ok(())
    }
}
