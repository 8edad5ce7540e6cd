//! VERP: the envelope sender `bounces+TOKEN@<smtp.bounce_domain>` names the
//! ledger row a message belongs to, so a bounce that comes back to that address
//! identifies the message and its subscriber without reading the report.
//!
//! TOKEN is base32hex in lowercase without padding (RFC 4648 §7, the DNSSEC
//! alphabet `0-9a-v`) of
//!
//! ```text
//! kind (1 byte: 1 = issue delivery, 2 = agenda mail)
//! ledger row id (unsigned LEB128 varint)
//! subscriber id (unsigned LEB128 varint)
//! HMAC-SHA256("postbode-verp\0" || the bytes above), first 16 bytes
//! ```
//!
//! Only lowercase letters and digits, because MTAs may change the case of a local
//! part (decoding ignores case). Ids are positive `i64`s, at most 9 varint
//! bytes each, so a token is at most 1 + 9 + 9 + 16 = 35 bytes → 56
//! characters, and `bounces+TOKEN` stays within SMTP's 64 for the local part.
//! (Earlier tokens had a 10-byte MAC; they are no longer trusted, and a
//! bounce that carries one is matched by the Message-ID its report quotes.) The MAC uses the link tokens' keys: the newest
//! signs, every configured key verifies, so rotation does not orphan bounces of
//! mail already sent.

use data_encoding::BASE32_DNSSEC;
use lettre::Address;

use super::delivery::Ledger;
use super::token::TokenSigner;

/// The local part's fixed start; Postfix's `recipient_delimiter = +` routes
/// every `bounces+…` address to the `bounces` mailbox or transport.
pub const PREFIX: &str = "bounces";
const DOMAIN_SEPARATION: &[u8] = b"postbode-verp\0";
const TAG_LEN: usize = super::token::MIN_MAC_LEN;
/// 1 + 9 + 9 + 16 bytes, base32: the longest token that can be genuine.
const MAX_TOKEN_CHARS: usize = 56;

/// What a VERP token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerpRef {
    pub ledger: Ledger,
    pub row_id: i64,
    pub subscriber_id: i64,
}

/// The token for `r`, signed with the newest key.
pub fn encode(signer: &TokenSigner, r: VerpRef) -> String {
    let mut body = vec![match r.ledger {
        Ledger::Issues => 1u8,
        Ledger::Agenda => 2u8,
    }];
    put_varint(&mut body, r.row_id as u64);
    put_varint(&mut body, r.subscriber_id as u64);
    let tag = signer.mac(&signed(&body));
    body.extend_from_slice(&tag[..TAG_LEN]);
    BASE32_DNSSEC.encode(&body)
}

/// The reference in `token` when it is intact and signed by one of our keys.
pub fn decode(signer: &TokenSigner, token: &str) -> Option<VerpRef> {
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS {
        return None;
    }
    let raw = BASE32_DNSSEC
        .decode(token.to_ascii_lowercase().as_bytes())
        .ok()?;
    let body_len = raw.len().checked_sub(TAG_LEN)?;
    let (body, tag) = raw.split_at(body_len);
    if !signer.verify_mac(&signed(body), tag, TAG_LEN) {
        return None;
    }
    let ledger = match body.first()? {
        1 => Ledger::Issues,
        2 => Ledger::Agenda,
        _ => return None,
    };
    let mut rest = &body[1..];
    let row_id = i64::try_from(take_varint(&mut rest)?).ok()?;
    let subscriber_id = i64::try_from(take_varint(&mut rest)?).ok()?;
    rest.is_empty().then_some(VerpRef {
        ledger,
        row_id,
        subscriber_id,
    })
}

/// The token in an address such as `bounces+TOKEN@bounces.example.nl`, also
/// in angle brackets, as a bare `TOKEN` (Postfix's `${extension}`) or with
/// another prefix before the `+`. Only the signature makes it genuine.
pub fn token_in(address: &str) -> Option<&str> {
    let a = address.trim().trim_start_matches('<').trim_end_matches('>');
    let local = a.rsplit_once('@').map_or(a, |(local, _)| local);
    let token = local.rsplit_once('+').map_or(local, |(_, t)| t);
    (!token.is_empty() && token.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(token)
}

/// `bounces+TOKEN@domain`.
pub fn sender(signer: &TokenSigner, domain: &str, r: VerpRef) -> Option<Address> {
    Address::new(format!("{PREFIX}+{}", encode(signer, r)), domain).ok()
}

fn signed(body: &[u8]) -> Vec<u8> {
    [DOMAIN_SEPARATION, body].concat()
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn take_varint(input: &mut &[u8]) -> Option<u64> {
    let mut v: u64 = 0;
    for (i, &b) in input.iter().enumerate().take(10) {
        v |= u64::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            *input = &input[i + 1..];
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> TokenSigner {
        TokenSigner::new(&["test-key-0123456789abcdef".into()])
    }

    fn r(ledger: Ledger, row_id: i64, subscriber_id: i64) -> VerpRef {
        VerpRef {
            ledger,
            row_id,
            subscriber_id,
        }
    }

    #[test]
    fn round_trips_both_ledgers_and_any_id() {
        let s = signer();
        for want in [
            r(Ledger::Issues, 1, 1),
            r(Ledger::Agenda, 4_321, 987_654),
            r(Ledger::Issues, i64::MAX, i64::MAX),
        ] {
            let t = encode(&s, want);
            assert_eq!(decode(&s, &t), Some(want), "{t}");
        }
    }

    #[test]
    fn the_local_part_is_short_lowercase_and_survives_upper_casing() {
        let s = signer();
        let longest = encode(&s, r(Ledger::Agenda, i64::MAX, i64::MAX));
        assert!(longest.len() <= MAX_TOKEN_CHARS, "{}", longest.len());
        let from = sender(
            &s,
            "bounces.kus.example.nl",
            r(Ledger::Agenda, i64::MAX, i64::MAX),
        )
        .expect("an address");
        assert!(from.user().len() <= 64, "{from}");
        let typical = encode(&s, r(Ledger::Issues, 12_345, 678));
        assert!(typical.len() <= 40, "{typical}");
        assert!(
            typical
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        let want = r(Ledger::Issues, 12_345, 678);
        assert_eq!(decode(&s, &typical.to_ascii_uppercase()), Some(want));
    }

    #[test]
    fn forged_altered_and_truncated_tokens_are_rejected() {
        let s = signer();
        let t = encode(&s, r(Ledger::Issues, 7, 42));
        let other = TokenSigner::new(&["another-key-0123456789".into()]);
        assert_eq!(decode(&other, &t), None, "signed with a key we do not hold");
        assert_eq!(decode(&s, &encode(&other, r(Ledger::Issues, 7, 42))), None);
        for i in 0..t.len() {
            let mut b = t.clone().into_bytes();
            b[i] = if b[i] == b'0' { b'1' } else { b'0' };
            let altered = String::from_utf8(b).expect("ascii");
            assert_eq!(decode(&s, &altered), None, "altered at {i}: {altered}");
        }
        assert_eq!(decode(&s, &t[..t.len() - 2]), None);
        assert_eq!(decode(&s, ""), None);
        assert_eq!(decode(&s, "v1-issue7-sub1"), None);
        assert_eq!(decode(&s, &"0".repeat(200)), None);
    }

    #[test]
    fn old_keys_still_verify_after_rotation() {
        let old = TokenSigner::new(&["old-key-0123456789ab".into()]);
        let t = encode(&old, r(Ledger::Agenda, 3, 9));
        let rotated =
            TokenSigner::new(&["new-key-0123456789ab".into(), "old-key-0123456789ab".into()]);
        assert_eq!(decode(&rotated, &t), Some(r(Ledger::Agenda, 3, 9)));
    }

    #[test]
    fn the_token_is_found_in_every_form_an_mta_passes() {
        assert_eq!(token_in("bounces+abc123@b.example"), Some("abc123"));
        assert_eq!(token_in("<bounces+abc123@b.example>"), Some("abc123"));
        assert_eq!(token_in("abc123"), Some("abc123"));
        assert_eq!(token_in("bounces+v1-issue7@b.example"), None);
        assert_eq!(token_in("<>"), None);
    }
}
