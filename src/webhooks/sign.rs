//! What one delivery sends: the JSON body and its signature header.
//! `Postbode-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
//! "<t>.<body>")>`: the receiver recomputes it over the exact body it got,
//! and refuses an old `t` so a captured request cannot be replayed.

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::domain::clock::rfc3339;
use crate::storage::webhooks::PendingHook;

/// `{"id", "event", "occurred_at", "data"}`; data as recorded (an
/// unreadable record is sent as an empty object rather than never).
pub fn body(row: &PendingHook) -> String {
    let data: Value = serde_json::from_str(&row.data).unwrap_or_else(|_| json!({}));
    json!({
        "id": row.uuid,
        "event": row.kind,
        "occurred_at": rfc3339(row.occurred_at),
        "data": data,
    })
    .to_string()
}

/// The `Postbode-Signature` value of `body` sent at `t`.
pub fn signature(secret: &[u8], t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_time_and_body() {
        // The receiver's side is checked by tests/webhooks (Python's hmac).
        let s = signature(b"key", 1_700_000_000, "{}");
        assert!(s.starts_with("t=1700000000,v1="));
        assert_eq!(s.len(), "t=1700000000,v1=".len() + 64);
        assert_ne!(s, signature(b"key", 1_700_000_000, "{ }"));
        assert_ne!(s, signature(b"key", 1_700_000_001, "{}"));
        assert_ne!(s, signature(b"other", 1_700_000_000, "{}"));
    }

    #[test]
    fn the_body_carries_the_delivery_id_and_the_data() {
        let row = PendingHook {
            id: 1,
            webhook: "https://x.nl/".into(),
            uuid: "u-1".into(),
            attempts: 0,
            next_attempt_at: 0,
            kind: "subscribed".into(),
            subscriber_id: Some(7),
            data: r#"{"subscriber_id":7,"email":"a@b.nl"}"#.into(),
            occurred_at: 0,
        };
        let v: Value = serde_json::from_str(&body(&row)).expect("json");
        assert_eq!(v["id"], "u-1");
        assert_eq!(v["event"], "subscribed");
        assert_eq!(v["occurred_at"], "1970-01-01T00:00:00Z");
        assert_eq!(v["data"]["email"], "a@b.nl");
    }
}
