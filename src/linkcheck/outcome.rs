//! What checking a link found, and how it reads for an editor.

use super::extract::{FoundLink, Skipped};
use super::images::ImageFacts;
use crate::domain::language::Language;

/// Why a link does not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// The server answered with this status (after any redirects).
    Status(u16),
    /// No answer within the time allowed.
    Timeout,
    /// Nothing listens at that address.
    Refused,
    /// The host name does not exist.
    Dns,
    /// The secure connection failed (certificate, protocol).
    Tls(String),
    /// Redirects that go on too long or in a circle.
    TooManyRedirects,
    /// Relative (`/archive`) or otherwise not a full web address.
    NotAbsolute,
    Other(String),
}

/// One link's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok {
        status: u16,
    },
    /// Followed to `to`, which answered `status` (2xx).
    Redirected {
        first: u16,
        to: String,
        status: u16,
    },
    Broken {
        why: Broken,
        /// Where the redirects ended, when they led somewhere broken.
        at: Option<String>,
    },
    Skipped(Skipped),
}

impl Outcome {
    pub fn is_broken(&self) -> bool {
        matches!(self, Outcome::Broken { .. })
    }
}

/// A link of the issue and what checking it found.
#[derive(Debug, Clone)]
pub struct LinkResult {
    pub link: FoundLink,
    pub outcome: Outcome,
    /// For an image that works: its width and weight.
    pub image: Option<ImageFacts>,
}

impl LinkResult {
    /// What to tell about an image that works but is too wide or heavy.
    pub fn image_warning(&self, lang: Language) -> Option<String> {
        self.image?.warning(lang, &self.link.url)
    }
}

/// One line about one link, without its place: `https://… — in orde (200)`.
pub fn describe(lang: Language, r: &LinkResult, timeout_secs: u64) -> String {
    let url = &r.link.url;
    let verdict = match &r.outcome {
        Outcome::Ok { status } => crate::domain::texts::tr!(lang, "links.ok", status = status),
        Outcome::Redirected { first, to, status } => {
            crate::domain::texts::tr!(
                lang,
                "links.redirected",
                first = first,
                to = to,
                status = status
            )
        }
        Outcome::Skipped(s) => match s {
            Skipped::MailOrPhone => crate::domain::texts::tr!(lang, "links.skipped_mail"),
            Skipped::Anchor => crate::domain::texts::tr!(lang, "links.skipped_anchor"),
            Skipped::MergeTag => crate::domain::texts::tr!(lang, "links.skipped_merge_tag"),
            Skipped::NotWeb => crate::domain::texts::tr!(lang, "links.skipped_not_web"),
        },
        Outcome::Broken { why, at } => {
            let why = broken(lang, why, url, timeout_secs);
            match at {
                Some(at) => crate::domain::texts::tr!(
                    lang,
                    "links.broken_after_redirect",
                    to = at,
                    why = why
                ),
                None => why,
            }
        }
    };
    format!("{url} — {verdict}")
}

fn broken(lang: Language, why: &Broken, url: &str, timeout_secs: u64) -> String {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    match why {
        Broken::Status(s) => crate::domain::texts::tr!(lang, "links.broken_status", status = s),
        Broken::Timeout => {
            crate::domain::texts::tr!(lang, "links.broken_timeout", secs = timeout_secs)
        }
        Broken::Refused => crate::domain::texts::tr!(lang, "links.broken_refused", host = host),
        Broken::Dns => crate::domain::texts::tr!(lang, "links.broken_dns", host = host),
        Broken::Tls(d) => crate::domain::texts::tr!(lang, "links.broken_tls", detail = d),
        Broken::TooManyRedirects => crate::domain::texts::tr!(lang, "links.broken_redirects"),
        Broken::NotAbsolute => crate::domain::texts::tr!(lang, "links.broken_not_absolute"),
        Broken::Other(d) => crate::domain::texts::tr!(lang, "links.broken_other", detail = d),
    }
}

/// Counts per verdict, for a proof mail or the end of `check --links`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub ok: usize,
    pub redirected: usize,
    pub broken: usize,
    pub skipped: usize,
}

pub fn tally(results: &[LinkResult]) -> Tally {
    let mut t = Tally::default();
    for r in results {
        match r.outcome {
            Outcome::Ok { .. } => t.ok += 1,
            Outcome::Redirected { .. } => t.redirected += 1,
            Outcome::Broken { .. } => t.broken += 1,
            Outcome::Skipped(_) => t.skipped += 1,
        }
    }
    t
}

/// A short report for editors: the counts, then each broken and redirected
/// link. What a proof mail shows under the issue.
pub fn summary(lang: Language, results: &[LinkResult], timeout_secs: u64) -> String {
    let t = tally(results);
    let mut out = crate::domain::texts::tr!(
        lang,
        "links.summary",
        ok = t.ok,
        redirected = t.redirected,
        broken = t.broken,
        skipped = t.skipped
    );
    for r in results {
        if matches!(
            r.outcome,
            Outcome::Broken { .. } | Outcome::Redirected { .. }
        ) {
            out.push_str("\n- ");
            out.push_str(&describe(lang, r, timeout_secs));
        }
        if let Some(w) = r.image_warning(lang) {
            out.push_str("\n- ");
            out.push_str(&w);
        }
    }
    out
}
