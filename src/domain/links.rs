//! The links in postbode's mail and pages: signed tokens under the public
//! base URL. Making and checking them is one service, so every link is made
//! the same way and verified against the same keys.

use super::clock::{SharedClock, epoch};
use super::token::{Claims, Purpose, TokenSigner};

#[derive(Clone)]
pub struct Links {
    base_url: String,
    signer: TokenSigner,
    clock: SharedClock,
}

impl std::fmt::Debug for Links {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Links({})", self.base_url)
    }
}

impl Links {
    /// `base_url` without a trailing slash; `signer` signs with its first key.
    pub fn new(base_url: &str, signer: TokenSigner, clock: SharedClock) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            signer,
            clock,
        }
    }

    /// The public URL everything hangs under, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base_url
    }

    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    /// A token for `purpose`; `context` is the issue whose link it is (0: none).
    pub fn token(&self, purpose: Purpose, subscriber_id: i64, context: i64) -> String {
        self.signer.sign(Claims {
            purpose,
            subscriber_id,
            context,
            issued_at: epoch(self.clock.now()),
        })
    }

    /// The claims of a genuine token made for `purpose`.
    pub fn verify(&self, token: &str, purpose: Purpose) -> Option<Claims> {
        self.signer.verify(token, purpose)
    }

    pub fn unsubscribe(&self, subscriber_id: i64, issue_id: i64) -> String {
        format!(
            "{}/unsubscribe/{}",
            self.base_url,
            self.token(Purpose::Unsubscribe, subscriber_id, issue_id)
        )
    }

    pub fn preferences(&self, subscriber_id: i64) -> String {
        format!(
            "{}/preferences/{}",
            self.base_url,
            self.token(Purpose::Preferences, subscriber_id, 0)
        )
    }

    pub fn confirm(&self, subscriber_id: i64) -> String {
        format!(
            "{}/confirm/{}",
            self.base_url,
            self.token(Purpose::Confirm, subscriber_id, 0)
        )
    }

    pub fn archive(&self, slug: &str) -> String {
        format!("{}/archive/{slug}", self.base_url)
    }

    /// A path under the base URL, such as `/subscribe`.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}
