//! DKIM signing (SPEC §6): the `[dkim]` key, read and checked once at start-up,
//! and relaxed/relaxed rsa-sha256 signatures whose `h=` names exactly the
//! headers a message carries.

use std::path::Path;

use anyhow::{Result, bail};
use lettre::Message;
use lettre::message::dkim::{
    DkimCanonicalization, DkimCanonicalizationType, DkimConfig, DkimSigningAlgorithm,
    DkimSigningKey,
};
use lettre::message::header::HeaderName;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;

use crate::config::Config;

/// Signed in every message: postbode's builder always writes them.
const ALWAYS: [&str; 6] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
];

/// Signed when present: the list headers of bulk mail and `Auto-Submitted`.
/// Content-Type is not here: lettre writes it with the body, outside the
/// headers its signer can see, so naming it would sign an empty value.
const WHEN_PRESENT: [&str; 4] = [
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
];

/// Verifiers must refuse RSA keys under 1024 bits (RFC 8301).
const MIN_BITS: usize = 1024;

/// What to do about a key postbode cannot use, appended to every key error.
const KEY_HINT: &str = "convert a PKCS#8 key with `openssl rsa -in key.pem -traditional -out dkim.pem`, \
or create a new key with `postbode dkim-keygen` (it prints the DNS record to publish)";

/// Signs messages for `d=domain; s=selector`.
pub struct DkimSigner {
    domain: String,
    selector: String,
    /// One lettre configuration per subset of `WHEN_PRESENT`, indexed by the
    /// bit mask of the headers present: lettre puts every configured name in
    /// `h=`, present or not, and a `DkimConfig` owns its key and cannot be
    /// cloned, so each subset gets its own copy of the key, made at start-up.
    configs: Vec<DkimConfig>,
}

impl std::fmt::Debug for DkimSigner {
    // Never the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkimSigner")
            .field("domain", &self.domain)
            .field("selector", &self.selector)
            .finish_non_exhaustive()
    }
}

impl DkimSigner {
    /// The signer of `[dkim]`, or None without that section. A key file that is
    /// missing, unreadable, not PKCS#1 PEM RSA or too short is an error naming
    /// `dkim.private_key_file` and saying what to do.
    pub fn from_config(config: &Config) -> Result<Option<Self>> {
        let Some(dkim) = &config.dkim else {
            return Ok(None);
        };
        let path = config.resolve(&dkim.private_key_file);
        let pem = read_key(&path)?;
        Self::new(dkim.domain.as_str(), dkim.selector.as_str(), &pem).map(Some)
    }

    fn new(domain: &str, selector: &str, pem: &str) -> Result<Self> {
        let relaxed = DkimCanonicalization {
            header: DkimCanonicalizationType::Relaxed,
            body: DkimCanonicalizationType::Relaxed,
        };
        let configs = (0..1usize << WHEN_PRESENT.len())
            .map(|mask| {
                let key = DkimSigningKey::new(pem, DkimSigningAlgorithm::Rsa)
                    .map_err(|e| anyhow::anyhow!("dkim.private_key_file: {e}; {KEY_HINT}"))?;
                let headers = ALWAYS
                    .into_iter()
                    .chain(present(mask))
                    .map(HeaderName::new_from_ascii_str)
                    .collect();
                Ok(DkimConfig::new(
                    selector.to_string(),
                    domain.to_string(),
                    key,
                    headers,
                    relaxed,
                ))
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            domain: domain.to_string(),
            selector: selector.to_string(),
            configs,
        })
    }

    /// Adds the DKIM-Signature. The message must not change afterwards.
    pub fn sign(&self, message: &mut Message) {
        let mask = WHEN_PRESENT
            .iter()
            .enumerate()
            .filter(|(_, name)| message.headers().get_raw(name).is_some())
            .fold(0, |mask, (bit, _)| mask | (1 << bit));
        message.sign(&self.configs[mask]);
    }
}

/// The headers of `WHEN_PRESENT` whose bit is set in `mask`.
fn present(mask: usize) -> impl Iterator<Item = &'static str> {
    WHEN_PRESENT
        .into_iter()
        .enumerate()
        .filter(move |(bit, _)| mask & (1 << bit) != 0)
        .map(|(_, name)| name)
}

/// Reads the key file and checks it is an RSA key postbode can sign with.
fn read_key(path: &Path) -> Result<String> {
    let shown = path.display();
    let pem = match std::fs::read_to_string(path) {
        Ok(pem) => pem,
        Err(e) => bail!(
            "dkim.private_key_file: cannot read {shown}: {e}; point it at your key, \
             or create one with `postbode dkim-keygen` (it prints the DNS record to publish)"
        ),
    };
    if pem.contains("-----BEGIN PRIVATE KEY-----")
        || pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    {
        bail!(
            "dkim.private_key_file: {shown} is a PKCS#8 key (BEGIN PRIVATE KEY), \
             postbode needs PKCS#1 PEM (BEGIN RSA PRIVATE KEY); {KEY_HINT}"
        );
    }
    let key = RsaPrivateKey::from_pkcs1_pem(&pem).map_err(|e| {
        anyhow::anyhow!(
            "dkim.private_key_file: {shown} is not an RSA private key in PKCS#1 PEM \
             (BEGIN RSA PRIVATE KEY): {e}; {KEY_HINT}"
        )
    })?;
    let bits = key.size() * 8;
    if bits < MIN_BITS {
        bail!(
            "dkim.private_key_file: {shown} is a {bits}-bit key; receivers ignore DKIM keys \
             under {MIN_BITS} bits: create a 2048-bit one with `postbode dkim-keygen`"
        );
    }
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lettre::message::MultiPart;
    use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    /// A message with `text` bytes of plain text and four times that in HTML,
    /// carrying every header postbode signs.
    fn message(text: usize) -> Message {
        let line = "Welkom bij dit nummer van het platformnieuws, met agenda en links.\n";
        let text: String = line.repeat(text / line.len() + 1);
        let html = format!("<p>{}</p>", text.replace('\n', "</p>\n<p>")).repeat(4);
        Message::builder()
            .from("Platform <nieuws@kus.example.nl>".parse().expect("from"))
            .to("Anouk <anouk@example.nl>".parse().expect("to"))
            .subject("Platformnieuws: één nummer")
            .message_id(Some("<1@kus.example.nl>".into()))
            .date_now()
            .raw_header(lettre::message::header::HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Id"),
                "Platform <nieuws.kus.example.nl>".into(),
            ))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .expect("message")
    }

    /// The time per run of `f`, over `runs` runs.
    fn per_run(runs: u32, mut f: impl FnMut()) -> Duration {
        let start = Instant::now();
        for _ in 0..runs {
            f();
        }
        start.elapsed() / runs
    }

    /// `cargo test --release --lib signing_cost -- --ignored --nocapture`:
    /// what signing adds to each message, small and newsletter-sized.
    #[test]
    #[ignore = "a measurement; run it in release mode"]
    fn signing_cost() {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("key");
        let pem = key.to_pkcs1_pem(LineEnding::LF).expect("pem");
        let signer = DkimSigner::new("kus.example.nl", "postbode", &pem).expect("signer");
        for size in [500, 12_000] {
            let message = message(size);
            let bytes = message.formatted().len();
            let runs = 400;
            let plain = per_run(runs, || {
                black_box(message.clone().formatted());
            });
            let signed = per_run(runs, || {
                let mut m = message.clone();
                signer.sign(&mut m);
                black_box(m.formatted());
            });
            println!(
                "{bytes:>6}-byte message: {:.3} ms to sign ({:.3} ms formatted and signed, {:.3} ms formatted)",
                (signed.saturating_sub(plain)).as_secs_f64() * 1e3,
                signed.as_secs_f64() * 1e3,
                plain.as_secs_f64() * 1e3,
            );
        }
    }
}
