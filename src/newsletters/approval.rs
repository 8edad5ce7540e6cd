//! What an approval did, in the editors' words: the same for
//! `postbode approve` and the approval page behind the proof's link.

use crate::domain::clock::local_minute;
use crate::domain::language::Language;
use crate::domain::texts::tr;
use crate::storage::approval::Approval;

/// What to tell about `outcome`, and whether it is a success.
pub fn said(
    lang: Language,
    tz: chrono_tz::Tz,
    now: i64,
    slug: &str,
    outcome: &Approval,
) -> (String, bool) {
    match outcome {
        Approval::NoSuchIssue => (tr!(lang, "ops.no_such_issue", slug = slug), false),
        Approval::Outdated => (tr!(lang, "approval.outdated", slug = slug), false),
        Approval::NotWaiting("scheduled") => (tr!(lang, "approval.already", slug = slug), true),
        Approval::NotWaiting("draft") => (tr!(lang, "approval.draft", slug = slug), false),
        Approval::NotWaiting(status) => (
            tr!(lang, "approval.not_waiting", slug = slug, status = status),
            false,
        ),
        Approval::Approved { send_at: Some(t) } if *t > now => {
            let at = local_minute(*t, tz);
            (
                tr!(lang, "approval.approved_at", slug = slug, at = at),
                true,
            )
        }
        Approval::Approved { .. } => (tr!(lang, "approval.approved_now", slug = slug), true),
    }
}
