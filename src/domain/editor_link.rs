//! The editors' signed links in a proof: the preview of one variant of an
//! issue in the browser, and the approval of an issue. They name an issue,
//! the version of its text (the first bytes of its content hash) and, for a
//! preview, the sections shown; never a person, so a forwarded proof shows
//! nothing personal. They expire, and a link to an older version of the text
//! is told apart from a forged one: the editor is pointed to the newest proof.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::language::Language;
use super::token::{MIN_MAC_LEN, TokenSigner};

/// How long a proof's links work: a proof is read within days, and an
/// approval link that still worked months later would approve by surprise.
pub const EDITOR_LINK_SECS: i64 = 14 * 24 * 3600;

const FORMAT: u8 = 2;
/// Format, action, issue id, version, expiry, readers' language, section count.
const HEAD_LEN: usize = 1 + 1 + 8 + 8 + 8 + 1 + 2;
/// An issue with more sections than this cannot be previewed per variant
/// (its full version still can): it keeps the link short.
pub const MAX_SECTIONS: usize = 256;
/// What a signed editor link's MAC covers is prefixed with this, so no other
/// use of the keys (subscriber tokens, counted links) can be replayed as one.
const DOMAIN: &[u8] = b"postbode-editor-link\0";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorAction {
    Preview = 1,
    Approve = 2,
}

/// What a verified editor link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorLink {
    pub action: EditorAction,
    pub issue_id: i64,
    /// The first 8 bytes of the SHA-256 of the issue's text when the link
    /// was made.
    pub version: [u8; 8],
    /// Seconds since the epoch after which the link no longer works.
    pub expires_at: i64,
    /// For a preview: the readers' language (the words around the text).
    pub language: Language,
    /// For a preview: section i is shown when `sections[i]`. Empty for an
    /// approval.
    pub sections: Vec<bool>,
}

/// The version of a text from its hex SHA-256: its first 8 bytes.
pub fn version_of(content_hash: &str) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (i, b) in out.iter_mut().enumerate() {
        *b = content_hash
            .get(2 * i..2 * i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
    }
    out
}

impl EditorLink {
    /// The token for this link, signed with the newest key. None when the
    /// issue has too many sections for a preview link.
    pub fn sign(&self, signer: &TokenSigner) -> Option<String> {
        if self.sections.len() > MAX_SECTIONS {
            return None;
        }
        let mut body = Vec::with_capacity(HEAD_LEN + MAX_SECTIONS / 8 + MIN_MAC_LEN);
        body.push(FORMAT);
        body.push(self.action as u8);
        body.extend_from_slice(&self.issue_id.to_be_bytes());
        body.extend_from_slice(&self.version);
        body.extend_from_slice(&self.expires_at.to_be_bytes());
        body.push(u8::from(self.language.is_en()));
        body.extend_from_slice(&(self.sections.len() as u16).to_be_bytes());
        let mut bits = vec![0u8; self.sections.len().div_ceil(8)];
        for (i, on) in self.sections.iter().enumerate() {
            if *on {
                bits[i / 8] |= 1 << (i % 8);
            }
        }
        body.extend_from_slice(&bits);
        let mac = signer.mac(&[DOMAIN, &body].concat());
        body.extend_from_slice(&mac[..MIN_MAC_LEN]);
        Some(URL_SAFE_NO_PAD.encode(body))
    }

    /// The link a genuine token of ours for `action` says, whether or not it
    /// has expired (the page says which). None for anything else.
    pub fn verify(token: &str, action: EditorAction, signer: &TokenSigner) -> Option<Self> {
        if token.len() > 2 * (HEAD_LEN + MAX_SECTIONS / 8 + MIN_MAC_LEN) {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
        if raw.len() < HEAD_LEN + MIN_MAC_LEN {
            return None;
        }
        let (body, tag) = raw.split_at(raw.len() - MIN_MAC_LEN);
        if !signer.verify_mac(&[DOMAIN, body].concat(), tag, MIN_MAC_LEN) {
            return None;
        }
        if body[0] != FORMAT || body[1] != action as u8 {
            return None;
        }
        let int = |at: usize| i64::from_be_bytes(body[at..at + 8].try_into().unwrap_or([0; 8]));
        let language = match body[26] {
            0 => Language::Nl,
            1 => Language::En,
            _ => return None,
        };
        let count = u16::from_be_bytes([body[27], body[28]]) as usize;
        let bits = &body[HEAD_LEN..];
        if count > MAX_SECTIONS || bits.len() != count.div_ceil(8) {
            return None;
        }
        Some(Self {
            action,
            issue_id: int(2),
            version: body[10..18].try_into().ok()?,
            expires_at: int(18),
            language,
            sections: (0..count)
                .map(|i| bits[i / 8] & (1 << (i % 8)) != 0)
                .collect(),
        })
    }

    /// Whether the link names this version of the issue's text.
    pub fn is_of(&self, content_hash: &str) -> bool {
        self.version == version_of(content_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(key: &str) -> TokenSigner {
        TokenSigner::new(&[key.into()])
    }

    fn preview(sections: Vec<bool>) -> EditorLink {
        EditorLink {
            action: EditorAction::Preview,
            issue_id: 7,
            version: version_of("0123456789abcdef0011"),
            expires_at: 1_800_000_000,
            language: Language::En,
            sections,
        }
    }

    #[test]
    fn round_trips_with_its_sections_and_binds_the_action() {
        let s = signer("k1-0123456789abcdef0123456789");
        for sections in [
            vec![],
            vec![true],
            vec![false, true, true, false, true, false, false, false, true],
        ] {
            let link = preview(sections);
            let t = link.sign(&s).expect("signed");
            assert_eq!(
                EditorLink::verify(&t, EditorAction::Preview, &s),
                Some(link)
            );
            assert_eq!(EditorLink::verify(&t, EditorAction::Approve, &s), None);
        }
    }

    #[test]
    fn forged_altered_and_foreign_tokens_are_refused() {
        let s = signer("k1-0123456789abcdef0123456789");
        let t = preview(vec![true, false]).sign(&s).expect("signed");
        let other = signer("another-key-0123456789abcdef");
        assert_eq!(EditorLink::verify(&t, EditorAction::Preview, &other), None);
        let mut raw = URL_SAFE_NO_PAD.decode(&t).expect("b64");
        // Show every section instead: the MAC no longer fits.
        let last_bit = raw.len() - MIN_MAC_LEN - 1;
        raw[last_bit] = 0b11;
        let altered = URL_SAFE_NO_PAD.encode(&raw);
        assert_eq!(
            EditorLink::verify(&altered, EditorAction::Preview, &s),
            None
        );
        for bad in ["", "x", "not base64!", &"A".repeat(5000), &t[..t.len() - 3]] {
            assert_eq!(
                EditorLink::verify(bad, EditorAction::Preview, &s),
                None,
                "{bad}"
            );
        }
        // A subscriber's token or a counted link's MAC is no editor link.
        let sub = s.sign(crate::domain::token::Claims {
            purpose: crate::domain::token::Purpose::Preferences,
            subscriber_id: 7,
            context: 0,
            issued_at: 1,
            generation: 0,
        });
        assert_eq!(EditorLink::verify(&sub, EditorAction::Preview, &s), None);
    }

    #[test]
    fn a_link_knows_the_version_it_was_made_for() {
        let link = preview(vec![]);
        assert!(link.is_of("0123456789abcdef9999"));
        assert!(!link.is_of("1123456789abcdef0011"));
    }

    #[test]
    fn too_many_sections_make_no_link() {
        assert!(
            preview(vec![true; MAX_SECTIONS + 1])
                .sign(&signer("k1-0123456789abcdef0123456789"))
                .is_none()
        );
    }
}
