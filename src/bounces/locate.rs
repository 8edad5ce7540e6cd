//! Which message a report is about: the VERP token of the address the bounce
//! came back to (or of the original envelope sender it quotes), else the
//! quoted Message-ID looked up in both delivery ledgers.

use anyhow::Result;

use super::report::Parsed;
use crate::domain::token::TokenSigner;
use crate::domain::verp;
use crate::storage::Db;
use crate::storage::bounces::SentMessage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    Verp,
    MessageId,
}

impl FoundBy {
    pub fn as_str(self) -> &'static str {
        match self {
            FoundBy::Verp => "VERP address",
            FoundBy::MessageId => "Message-ID",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    pub message: SentMessage,
    pub by: FoundBy,
}

/// `Ok(Err(why))`: the report names no message postbode knows.
pub async fn locate(
    db: &Db,
    signer: &TokenSigner,
    parsed: &Parsed,
    recipient: Option<&str>,
) -> Result<Result<Located, String>> {
    let mut forged = 0;
    let mut gone = 0;
    let candidates = recipient
        .into_iter()
        .chain(parsed.verp_candidates.iter().map(String::as_str));
    for address in candidates {
        let decoded = verp::token_in(address).and_then(|t| verp::decode(signer, t));
        let Some(r) = decoded else {
            // Any address of ours has a `bounces+` local part.
            if address
                .to_ascii_lowercase()
                .contains(&format!("{}+", verp::PREFIX))
            {
                forged += 1;
            }
            continue;
        };
        match db.sent_message(r.ledger, r.row_id).await? {
            Some(m) if m.subscriber_id == r.subscriber_id => {
                return Ok(Ok(Located {
                    message: m,
                    by: FoundBy::Verp,
                }));
            }
            _ => gone += 1,
        }
    }
    if forged > 0 {
        tracing::warn!(
            count = forged,
            "a bounces+ address did not verify: forged, altered, or signed with a key no longer in secrets.token_keys"
        );
    }
    if let Some(id) = &parsed.original_message_id {
        if let Some(m) = db.sent_message_by_id(id).await? {
            return Ok(Ok(Located {
                message: m,
                by: FoundBy::MessageId,
            }));
        }
    }
    let mut why = Vec::new();
    why.push(match (forged, gone) {
        (0, 0) => "no VERP address (bounces+TOKEN) in --recipient or the report".to_string(),
        (0, _) => "the VERP address names a message that is no longer in the ledger (erased subscriber?)".into(),
        _ => "the VERP address has no valid signature (forged, altered, or signed with a retired key)".into(),
    });
    why.push(match &parsed.original_message_id {
        Some(_) => "the quoted Message-ID is not one postbode sent".into(),
        None => "no Message-ID of the original message is quoted".into(),
    });
    Ok(Err(format!(
        "no identifiable subscriber: {}",
        why.join("; ")
    )))
}
