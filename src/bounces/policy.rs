//! What a bounce means for the subscriber, once its verdict is known
//! (`domain::reply`): a hard bounce or a complaint takes the address off the
//! list at once, soft bounces of three different messages within 30 days do
//! too, a policy refusal or a delay never does. Pure: the storage applies it.

use crate::domain::reply::BounceKind;
use crate::domain::subscriber::{Status, UnsubscribeSource};

/// Soft bounces of this many different messages within [`SOFT_WINDOW_SECS`]
/// take the address off the list, like a hard bounce.
pub const SOFT_LIMIT: i64 = 3;
pub const SOFT_WINDOW_SECS: i64 = 30 * 86_400;

/// What to do with the subscriber after this report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Take the address off the list with this status.
    Suppress(Suppression),
    /// Keep the subscriber; nothing changes.
    Keep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    Bounced,
    Complained,
}

impl Suppression {
    /// The subscriber's new status, also the suppression list's reason.
    pub fn status(self) -> Status {
        match self {
            Suppression::Bounced => Status::Bounced,
            Suppression::Complained => Status::Complained,
        }
    }

    /// Where the unsubscribe came from, for the statistics.
    pub fn source(self) -> UnsubscribeSource {
        match self {
            Suppression::Bounced => UnsubscribeSource::Bounce,
            Suppression::Complained => UnsubscribeSource::Complaint,
        }
    }
}

/// `soft_messages`: how many different messages bounced softly within the
/// window, this one included.
pub fn decide(kind: BounceKind, soft_messages: i64) -> Decision {
    match kind {
        BounceKind::Hard => Decision::Suppress(Suppression::Bounced),
        BounceKind::Complaint => Decision::Suppress(Suppression::Complained),
        BounceKind::Soft if soft_messages >= SOFT_LIMIT => Decision::Suppress(Suppression::Bounced),
        BounceKind::Soft | BounceKind::Policy | BounceKind::Delayed => Decision::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_third_soft_bounce_suppresses() {
        assert_eq!(decide(BounceKind::Soft, 1), Decision::Keep);
        assert_eq!(decide(BounceKind::Soft, 2), Decision::Keep);
        assert_eq!(
            decide(BounceKind::Soft, 3),
            Decision::Suppress(Suppression::Bounced)
        );
        assert_eq!(
            decide(BounceKind::Hard, 0),
            Decision::Suppress(Suppression::Bounced)
        );
        assert_eq!(
            decide(BounceKind::Complaint, 0),
            Decision::Suppress(Suppression::Complained)
        );
        assert_eq!(decide(BounceKind::Policy, 9), Decision::Keep);
        assert_eq!(decide(BounceKind::Delayed, 9), Decision::Keep);
    }
}
