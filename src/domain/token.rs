//! Signed links. A token names a purpose, a subscriber id, an optional context
//! (the issue whose link was used, or a held sign-up), when it was made and
//! the subscriber's link generation; it carries no address. HMAC-SHA256 with
//! the newest key signs; every configured key verifies, so keys can be
//! rotated without breaking links in mail already sent. Raising a
//! subscriber's generation revokes every link made before.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Version 1 tokens (before generations) are still read, as generation 0.
const VERSION_1: u8 = 1;
const VERSION: u8 = 2;
const BODY_1_LEN: usize = 1 + 1 + 8 + 8 + 8;
const BODY_LEN: usize = BODY_1_LEN + 4;
const TAG_LEN: usize = 16;
/// The shortest MAC [`TokenSigner::verify_mac`] accepts: 128 bits.
pub const MIN_MAC_LEN: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Unsubscribe = 1,
    Preferences = 2,
    Confirm = 3,
    /// The hidden field of the sign-up form: it was shown by us, lately.
    Form = 4,
    /// Downloading or erasing one's data: mailed on request, short-lived.
    Data = 5,
}

impl Purpose {
    fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(Purpose::Unsubscribe),
            2 => Some(Purpose::Preferences),
            3 => Some(Purpose::Confirm),
            4 => Some(Purpose::Form),
            5 => Some(Purpose::Data),
            _ => None,
        }
    }
}

/// What a verified token says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claims {
    pub purpose: Purpose,
    pub subscriber_id: i64,
    /// The issue (positive) whose link was used; 0 when none.
    pub context: i64,
    /// Seconds since the epoch when the token was made.
    pub issued_at: i64,
    /// The subscriber's link generation when it was made.
    pub generation: u32,
}

#[derive(Clone)]
pub struct TokenSigner {
    keys: Vec<Vec<u8>>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "TokenSigner({} keys)", self.keys.len())
    }
}

impl TokenSigner {
    /// `keys` newest first; the first one signs.
    pub fn new(keys: &[String]) -> Self {
        Self {
            keys: keys.iter().map(|k| k.as_bytes().to_vec()).collect(),
        }
    }

    pub fn sign(&self, claims: Claims) -> String {
        let mut body = [0u8; BODY_LEN];
        body[0] = VERSION;
        body[1] = claims.purpose as u8;
        body[2..10].copy_from_slice(&claims.subscriber_id.to_be_bytes());
        body[10..18].copy_from_slice(&claims.context.to_be_bytes());
        body[18..26].copy_from_slice(&claims.issued_at.to_be_bytes());
        body[26..30].copy_from_slice(&claims.generation.to_be_bytes());
        let tag = self.tag(&self.keys[0], &body);
        let mut out = Vec::with_capacity(BODY_LEN + TAG_LEN);
        out.extend_from_slice(&body);
        out.extend_from_slice(&tag[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(out)
    }

    /// Returns the claims when the token is intact, signed by one of our keys and
    /// made for `purpose`. The comparison is constant-time (`Mac::verify_truncated_left`).
    pub fn verify(&self, token: &str, purpose: Purpose) -> Option<Claims> {
        if token.len() > 128 {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
        let body_len = match (raw.first(), raw.len()) {
            (Some(&VERSION), n) if n == BODY_LEN + TAG_LEN => BODY_LEN,
            (Some(&VERSION_1), n) if n == BODY_1_LEN + TAG_LEN => BODY_1_LEN,
            _ => return None,
        };
        let (body, tag) = raw.split_at(body_len);
        let valid = self.keys.iter().any(|key| {
            let mut mac =
                <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(body);
            mac.verify_truncated_left(tag).is_ok()
        });
        if !valid {
            return None;
        }
        let got = Purpose::from_byte(body[1])?;
        if got != purpose {
            return None;
        }
        let int =
            |r: std::ops::Range<usize>| i64::from_be_bytes(body[r].try_into().unwrap_or([0; 8]));
        let generation = body
            .get(26..30)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_be_bytes);
        Some(Claims {
            purpose: got,
            subscriber_id: int(2..10),
            context: int(10..18),
            issued_at: int(18..26),
            generation,
        })
    }

    fn tag(&self, key: &[u8], body: &[u8]) -> Vec<u8> {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }
}

/// Raw MACs for other signed values (the VERP envelope sender) that share the
/// keys and their rotation but not the link token's layout.
impl TokenSigner {
    /// HMAC-SHA256 of `data` with the newest key.
    pub fn mac(&self, data: &[u8]) -> Vec<u8> {
        self.tag(&self.keys[0], data)
    }

    /// True when `tag` is exactly the first `len` bytes of the MAC of `data`
    /// under any of our keys; constant-time (`Mac::verify_truncated_left`).
    /// A tag shorter than `len`, or than [`MIN_MAC_LEN`] whatever the caller
    /// asks, is refused: it would be easier to guess.
    pub fn verify_mac(&self, data: &[u8], tag: &[u8], len: usize) -> bool {
        len >= MIN_MAC_LEN
            && tag.len() == len
            && self.keys.iter().any(|key| {
                let mut mac =
                    <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
                mac.update(data);
                mac.verify_truncated_left(tag).is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(purpose: Purpose) -> Claims {
        Claims {
            purpose,
            subscriber_id: 42,
            context: 7,
            issued_at: 1_700_000_000,
            generation: 3,
        }
    }

    #[test]
    fn round_trips_and_binds_purpose() {
        let s = TokenSigner::new(&["k1-0123456789abcdef".into()]);
        let t = s.sign(claims(Purpose::Unsubscribe));
        assert_eq!(
            s.verify(&t, Purpose::Unsubscribe),
            Some(claims(Purpose::Unsubscribe))
        );
        assert_eq!(s.verify(&t, Purpose::Confirm), None);
    }

    #[test]
    fn rejects_forged_truncated_and_altered_tokens() {
        let s = TokenSigner::new(&["k1-0123456789abcdef".into()]);
        let t = s.sign(claims(Purpose::Unsubscribe));
        assert_eq!(s.verify(&t[..t.len() - 2], Purpose::Unsubscribe), None);
        let other = TokenSigner::new(&["another-key-0123456789".into()]);
        assert_eq!(other.verify(&t, Purpose::Unsubscribe), None);
        // Flip one character of the body: the subscriber id changes, the tag no longer fits.
        let mut chars: Vec<char> = t.chars().collect();
        chars[4] = if chars[4] == 'A' { 'B' } else { 'A' };
        let altered: String = chars.into_iter().collect();
        assert_eq!(s.verify(&altered, Purpose::Unsubscribe), None);
        assert_eq!(s.verify("", Purpose::Unsubscribe), None);
        assert_eq!(s.verify("not-base64!", Purpose::Unsubscribe), None);
    }

    #[test]
    fn links_made_before_generations_still_verify_as_generation_0() {
        let s = TokenSigner::new(&["k1-0123456789abcdef".into()]);
        let v2 = s.sign(claims(Purpose::Preferences));
        let mut raw = URL_SAFE_NO_PAD.decode(v2.as_bytes()).expect("b64");
        // The same claims as a version-1 token: no generation, its own tag.
        raw.truncate(BODY_1_LEN);
        raw[0] = VERSION_1;
        let tag = s.tag(&s.keys[0], &raw);
        raw.extend_from_slice(&tag[..TAG_LEN]);
        let v1 = URL_SAFE_NO_PAD.encode(raw);
        let got = s.verify(&v1, Purpose::Preferences).expect("v1 verifies");
        assert_eq!(got.generation, 0);
        assert_eq!(got.subscriber_id, 42);
    }

    #[test]
    fn macs_shorter_than_16_bytes_are_refused_even_when_genuine() {
        let s = TokenSigner::new(&["k1-0123456789abcdef".into()]);
        let mac = s.mac(b"data");
        for len in [0, 1, 8, 10, 15] {
            assert!(!s.verify_mac(b"data", &mac[..len], len), "{len} bytes");
        }
        assert!(s.verify_mac(b"data", &mac[..16], 16));
        assert!(s.verify_mac(b"data", &mac, 32));
        assert!(!s.verify_mac(b"data", &mac[..16], 32), "shorter than asked");
        assert!(!s.verify_mac(b"other", &mac[..16], 16));
    }

    #[test]
    fn old_keys_still_verify_after_rotation() {
        let old = TokenSigner::new(&["old-key-0123456789ab".into()]);
        let t = old.sign(claims(Purpose::Preferences));
        let rotated =
            TokenSigner::new(&["new-key-0123456789ab".into(), "old-key-0123456789ab".into()]);
        assert!(rotated.verify(&t, Purpose::Preferences).is_some());
        assert_ne!(rotated.sign(claims(Purpose::Preferences)), t);
    }
}
