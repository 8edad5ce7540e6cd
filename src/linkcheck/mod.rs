//! Checking the links of an issue: which links it has (`extract`), fetching
//! them politely (`fetch`), and what was found, as editors read it
//! (`outcome`). `postbode check --links` prints it; a proof mail can show
//! [`summary`] of [`check_issue`].

pub mod extract;
pub mod fetch;
pub mod images;
pub mod outcome;

use std::collections::HashMap;
use std::time::Duration;

use crate::domain::issue::Issue;
use crate::domain::language::Language;
use crate::domain::texts::tr;
pub use extract::{FoundLink, LinkKind, Skipped, Target, links, locate, target, tracked_urls};
pub use fetch::{Fetcher, Options};
pub use images::ImageFacts;
pub use outcome::{Broken, LinkResult, Outcome, Tally, describe, summary, tally};

/// Every link of `issue` and what checking it found, in file order.
pub async fn check_issue(issue: &Issue, options: &Options) -> anyhow::Result<Vec<LinkResult>> {
    let fetcher = Fetcher::new(options.clone())?;
    Ok(check_links(&fetcher, links(issue)).await)
}

/// How long a proof waits for its link check: a slow site must not hold
/// back the proof for long.
pub const PROOF_CHECK_SECS: u64 = 90;

/// The link check of `issue` as a proof shows it; None when it has no links.
pub async fn report_for_proof(issue: &Issue, lang: Language) -> Option<String> {
    if links(issue).is_empty() {
        return None;
    }
    let options = Options::default();
    let secs = options.timeout.as_secs();
    let checked = tokio::time::timeout(
        Duration::from_secs(PROOF_CHECK_SECS),
        check_issue(issue, &options),
    )
    .await;
    Some(match checked {
        Ok(Ok(results)) => summary(lang, &results, secs),
        Ok(Err(e)) => tr!(lang, "links.broken_other", detail = e),
        Err(_) => tr!(lang, "issues.proof_links_slow", secs = PROOF_CHECK_SECS),
    })
}

/// Checks `found` with `fetcher`: each address once, however often it is
/// used, all at once within the fetcher's limits.
pub async fn check_links(fetcher: &Fetcher, found: Vec<FoundLink>) -> Vec<LinkResult> {
    let mut tasks: HashMap<String, tokio::task::JoinHandle<Outcome>> = HashMap::new();
    for l in &found {
        if let Target::Web(u) = target(&l.url) {
            let f = fetcher.clone();
            tasks
                .entry(l.url.clone())
                .or_insert_with(|| tokio::spawn(async move { f.check(u).await }));
        }
    }
    let mut done: HashMap<String, Outcome> = HashMap::new();
    for (url, task) in tasks {
        let outcome = task.await.unwrap_or_else(|e| Outcome::Broken {
            why: Broken::Other(e.to_string()),
            at: None,
        });
        done.insert(url, outcome);
    }
    let images = measure_images(fetcher, &found, &done).await;
    found
        .into_iter()
        .map(|link| {
            let outcome = match target(&link.url) {
                Target::Web(_) => done.get(&link.url).cloned().unwrap_or(Outcome::Broken {
                    why: Broken::Other("not checked".into()),
                    at: None,
                }),
                Target::Skip(s) => Outcome::Skipped(s),
                Target::NotAbsolute => Outcome::Broken {
                    why: Broken::NotAbsolute,
                    at: None,
                },
            };
            let image = images.get(&link.url).copied();
            LinkResult {
                link,
                outcome,
                image,
            }
        })
        .collect()
}

/// The width and weight of every image that works, each address once.
async fn measure_images(
    fetcher: &Fetcher,
    found: &[FoundLink],
    done: &HashMap<String, Outcome>,
) -> HashMap<String, ImageFacts> {
    let mut tasks = HashMap::new();
    for l in found.iter().filter(|l| l.kind == LinkKind::Image) {
        let at = match done.get(&l.url) {
            Some(Outcome::Ok { .. }) => l.url.as_str(),
            Some(Outcome::Redirected { to, .. }) => to.as_str(),
            _ => continue,
        };
        let Ok(url) = url::Url::parse(at) else {
            continue;
        };
        let f = fetcher.clone();
        tasks
            .entry(l.url.clone())
            .or_insert_with(|| tokio::spawn(async move { f.image(&url).await }));
    }
    let mut out = HashMap::new();
    for (url, task) in tasks {
        if let Ok(Some(facts)) = task.await {
            out.insert(url, facts);
        }
    }
    out
}
