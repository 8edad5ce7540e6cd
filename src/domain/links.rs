//! The links in postbode's mail and pages: signed tokens under the public
//! base URL. Making and checking them is one service, so every link is made
//! the same way and verified against the same keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::clock::{SharedClock, epoch};
use super::editor_link::{EDITOR_LINK_SECS, EditorAction, EditorLink, version_of};
use super::language::Language;
use super::token::{Claims, MIN_MAC_LEN, Purpose, TokenSigner};

/// A counted link's MAC: truncated, as short as is still unguessable.
const CLICK_MAC_LEN: usize = MIN_MAC_LEN;

/// What a counted link's MAC covers; the prefix keeps it apart from every
/// other use of the keys.
fn click_data(slug: &str, index: usize) -> Vec<u8> {
    format!("postbode-click\0{slug}\0{index}").into_bytes()
}

/// Whose link it is: a subscriber and their link generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    pub id: i64,
    pub generation: u32,
}

impl Holder {
    /// A subscriber created just now: their links are of the first generation.
    pub fn new_subscriber(id: i64) -> Self {
        Self { id, generation: 0 }
    }
}

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

    /// A token for `purpose`; `context` is the issue whose link it is, or
    /// the held sign-up it confirms (0: none).
    pub fn token(&self, purpose: Purpose, holder: Holder, context: i64) -> String {
        self.signer.sign(Claims {
            purpose,
            subscriber_id: holder.id,
            context,
            issued_at: epoch(self.clock.now()),
            generation: holder.generation,
        })
    }

    /// The claims of a genuine token made for `purpose`.
    pub fn verify(&self, token: &str, purpose: Purpose) -> Option<Claims> {
        self.signer.verify(token, purpose)
    }

    pub fn unsubscribe(&self, holder: Holder, issue_id: i64) -> String {
        format!(
            "{}/unsubscribe/{}",
            self.base_url,
            self.token(Purpose::Unsubscribe, holder, issue_id)
        )
    }

    pub fn preferences(&self, holder: Holder) -> String {
        format!(
            "{}/preferences/{}",
            self.base_url,
            self.token(Purpose::Preferences, holder, 0)
        )
    }

    /// `request`: the held sign-up it confirms (0: the subscriber's own).
    pub fn confirm(&self, holder: Holder, request: i64) -> String {
        format!(
            "{}/confirm/{}",
            self.base_url,
            self.token(Purpose::Confirm, holder, request)
        )
    }

    /// The short-lived link to download or erase one's data: `…/data` and
    /// `…/erase` under it.
    pub fn data(&self, holder: Holder) -> String {
        format!(
            "{}/preferences/{}",
            self.base_url,
            self.token(Purpose::Data, holder, 0)
        )
    }

    /// The sign-up form's hidden token: shown by us, at this time.
    pub fn form_token(&self) -> String {
        self.token(Purpose::Form, Holder::new_subscriber(0), 0)
    }

    /// True when `token` is a form token of ours made within `max_age_secs`.
    pub fn form_token_fresh(&self, token: &str, max_age_secs: i64) -> bool {
        self.verify(token, Purpose::Form).is_some_and(|c| {
            let age = epoch(self.clock.now()) - c.issued_at;
            (0..=max_age_secs).contains(&age)
        })
    }

    /// The counted link to link `index` of issue `slug`: `/l/{slug}/{index}-{mac}`.
    /// The MAC binds the index to the issue, so no one can make a link that
    /// counts for another issue or link; the address itself is never in it.
    pub fn click(&self, slug: &str, index: usize) -> String {
        let mac = self.signer.mac(&click_data(slug, index));
        format!(
            "{}/l/{slug}/{index}-{}",
            self.base_url,
            URL_SAFE_NO_PAD.encode(&mac[..CLICK_MAC_LEN])
        )
    }

    /// The link index of a genuine `{index}-{mac}` for issue `slug`.
    pub fn verify_click(&self, slug: &str, link: &str) -> Option<usize> {
        let (index, mac) = link.split_once('-')?;
        if index.len() > 6 || mac.len() > 32 {
            return None;
        }
        // Digits only, so `+1` or `01` cannot name the same link another way.
        if index.starts_with('0') && index != "0" || !index.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let index: usize = index.parse().ok()?;
        let tag = URL_SAFE_NO_PAD.decode(mac).ok()?;
        self.signer
            .verify_mac(&click_data(slug, index), &tag, CLICK_MAC_LEN)
            .then_some(index)
    }

    /// An editor's link to `action` issue `issue_id` as its text now is
    /// (`content_hash`), showing `sections` to readers of `language` (a
    /// preview); None when the issue has too many sections to name in a link.
    pub fn editor(
        &self,
        action: EditorAction,
        issue_id: i64,
        content_hash: &str,
        sections: Vec<bool>,
        language: Language,
    ) -> Option<String> {
        let path = match action {
            EditorAction::Preview => "preview",
            EditorAction::Approve => "approve",
        };
        let token = EditorLink {
            action,
            issue_id,
            version: version_of(content_hash),
            expires_at: epoch(self.clock.now()) + EDITOR_LINK_SECS,
            language,
            sections,
        }
        .sign(&self.signer)?;
        Some(format!("{}/{path}/{token}", self.base_url))
    }

    /// What a genuine editor link for `action` says (expired or not).
    pub fn verify_editor(&self, token: &str, action: EditorAction) -> Option<EditorLink> {
        EditorLink::verify(token, action, &self.signer)
    }

    pub fn archive(&self, slug: &str) -> String {
        format!("{}/archive/{slug}", self.base_url)
    }

    /// A path under the base URL, such as `/subscribe`.
    pub fn page(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::SystemClock;

    #[test]
    fn a_counted_link_names_only_its_own_issue_and_index() {
        let links = Links::new(
            "http://x.example/",
            TokenSigner::new(&["k1-0123456789abcdef".into()]),
            std::sync::Arc::new(SystemClock),
        );
        let url = links.click("2026-12-nieuws", 3);
        let link = url.rsplit('/').next().expect("link");
        assert!(
            url.starts_with("http://x.example/l/2026-12-nieuws/3-"),
            "{url}"
        );
        assert_eq!(links.verify_click("2026-12-nieuws", link), Some(3));
        assert_eq!(links.verify_click("2027-01-nieuws", link), None);
        let mac = link.split_once('-').expect("mac").1;
        for forged in [
            format!("4-{mac}"),
            format!("03-{mac}"),
            format!("+3-{mac}"),
            "3-AAAA".into(),
        ] {
            assert_eq!(
                links.verify_click("2026-12-nieuws", &forged),
                None,
                "{forged}"
            );
        }
    }
}
