//! Checking the links of an issue: which links it has (`extract`), fetching
//! them politely (`fetch`), and what was found, as editors read it
//! (`outcome`). `postbode check --links` prints it; a proof mail can show
//! [`summary`] of [`check_issue`].

pub mod extract;
pub mod fetch;
pub mod outcome;

use std::collections::HashMap;

use crate::domain::issue::Issue;
pub use extract::{FoundLink, LinkKind, Skipped, Target, links, locate, target, tracked_urls};
pub use fetch::{Fetcher, Options};
pub use outcome::{Broken, LinkResult, Outcome, Tally, describe, summary, tally};

/// Every link of `issue` and what checking it found, in file order.
pub async fn check_issue(issue: &Issue, options: &Options) -> anyhow::Result<Vec<LinkResult>> {
    let fetcher = Fetcher::new(options.clone())?;
    Ok(check_links(&fetcher, links(issue)).await)
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
            LinkResult { link, outcome }
        })
        .collect()
}
