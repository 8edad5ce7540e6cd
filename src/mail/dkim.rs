//! DKIM signing (SPEC §6): the `[dkim]` key, read and checked once at start-up,
//! and relaxed/relaxed rsa-sha256 signatures over a message's final bytes, whose
//! `h=` names exactly the headers the message carries.

use std::ops::RangeInclusive;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use mail_auth::common::crypto::{Algorithm, CryptoError, RsaKey, Sha256, SigningKey};
use mail_auth::common::headers::{HeaderWriter, Writable};
use mail_auth::dkim::{Canonicalization, DkimSigner as Signer};
use rsa::RsaPrivateKey;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs1v15;
use rsa::signature::{RandomizedSigner as _, SignatureEncoding as _};
use rsa::traits::PublicKeyParts;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer};

use crate::config::Config;

/// Signed in every message: postbode's builder always writes them, and
/// Content-Type with the body (signing it keeps the parts from being swapped
/// for others under the same boundary).
const ALWAYS: [&str; 7] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
];

/// Signed when present: the list headers of bulk mail and `Auto-Submitted`.
/// Naming an absent header would sign it as empty, which verifies but tells
/// readers of `h=` the message carries it.
const WHEN_PRESENT: [&str; 4] = [
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "Auto-Submitted",
];

/// Verifiers must refuse RSA keys under 1024 bits (RFC 8301).
const MIN_BITS: usize = 1024;

/// The key sizes aws-lc signs with; it refuses others, which the `rsa` crate
/// signs instead, about four times slower.
const AWS_LC_BITS: RangeInclusive<usize> = 2048..=8192;

/// What to do about a key postbode cannot use, appended to every key error.
const KEY_HINT: &str = "convert a PKCS#8 key with `openssl rsa -in key.pem -traditional -out dkim.pem`, \
or create a new key with `postbode dkim-keygen` (it prints the DNS record to publish)";

/// Signs messages for `d=domain; s=selector`.
pub struct DkimSigner {
    domain: String,
    selector: String,
    key: Key,
}

/// The private key, parsed once.
enum Key {
    AwsLc(RsaKey<Sha256>),
    /// Keys of 1024 to 2047 bits, which RFC 8301 still allows.
    RustCrypto(Box<pkcs1v15::SigningKey<rsa::sha2::Sha256>>),
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
        let key = read_key(&path)?;
        let signer = Self::new(dkim.domain.as_str(), dkim.selector.as_str(), key)
            .with_context(|| format!("dkim.private_key_file: {}", path.display()))?;
        Ok(Some(signer))
    }

    fn new(domain: &str, selector: &str, key: RsaPrivateKey) -> Result<Self> {
        let key = if AWS_LC_BITS.contains(&(key.size() * 8)) {
            let der = key.to_pkcs1_der()?;
            let der = PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(der.as_bytes()));
            Key::AwsLc(RsaKey::from_key_der(der).map_err(|e| anyhow!("{e}; {KEY_HINT}"))?)
        } else {
            Key::RustCrypto(Box::new(pkcs1v15::SigningKey::new(key)))
        };
        Ok(Self {
            domain: domain.to_string(),
            selector: selector.to_string(),
            key,
        })
    }

    /// `message`, final bytes as they go on the wire, with a DKIM-Signature
    /// header in front. Nothing may change in it afterwards.
    pub fn sign(&self, message: Vec<u8>) -> Result<Vec<u8>> {
        let carried: Vec<&[u8]> = header_names(&message).collect();
        let present = WHEN_PRESENT.into_iter().filter(|name| {
            carried
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name.as_bytes()))
        });
        let signature = Signer::from_key(&self.key)
            .domain(self.domain.as_str())
            .selector(self.selector.as_str())
            .headers(ALWAYS.into_iter().chain(present))
            .header_canonicalization(Canonicalization::Relaxed)
            .body_canonicalization(Canonicalization::Relaxed)
            .sign(&message)
            .map_err(|e| anyhow!("DKIM signing failed: {e}"))?;
        let mut signed = Vec::with_capacity(message.len() + 1024);
        signature.write_header(&mut signed);
        signed.extend_from_slice(&message);
        Ok(signed)
    }
}

impl SigningKey for &Key {
    type Hasher = Sha256;

    fn sign(&self, input: impl Writable) -> mail_auth::Result<Vec<u8>> {
        match self {
            Key::AwsLc(key) => key.sign(input),
            Key::RustCrypto(key) => {
                let mut data = Vec::with_capacity(1024);
                input.write(&mut data);
                // Blinded with fresh randomness, as the `rsa` crate advises
                // against timing attacks.
                key.try_sign_with_rng(&mut rsa::rand_core::OsRng, &data)
                    .map(|signature| signature.to_vec())
                    .map_err(|e| mail_auth::Error::Crypto(CryptoError::Library(e.to_string())))
            }
        }
    }

    fn algorithm(&self) -> Algorithm {
        Algorithm::RsaSha256
    }
}

/// The names of the fields in `message`'s header block, in order.
fn header_names(message: &[u8]) -> impl Iterator<Item = &[u8]> {
    message
        .split(|&b| b == b'\n')
        .take_while(|line| !matches!(line, [] | [b'\r']))
        .filter(|line| !matches!(line.first(), Some(b' ' | b'\t')))
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            Some(line[..colon].trim_ascii_end())
        })
}

/// Reads the key file and checks it is an RSA key postbode can sign with.
fn read_key(path: &Path) -> Result<RsaPrivateKey> {
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
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lettre::Message;
    use lettre::message::MultiPart;
    use lettre::message::header::{HeaderName, HeaderValue};
    use std::hint::black_box;
    use std::time::{Duration, Instant};

    fn signer(bits: usize) -> DkimSigner {
        let key = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).expect("key");
        DkimSigner::new("kus.example.nl", "postbode", key).expect("signer")
    }

    /// The final bytes of a message with `text` bytes of plain text and four
    /// times that in HTML, with List-Id but no other list header.
    fn message(text: usize) -> Vec<u8> {
        let line = "Welkom bij dit nummer van het platformnieuws, met agenda en links.\n";
        let text: String = line.repeat(text / line.len() + 1);
        let html = format!("<p>{}</p>", text.replace('\n', "</p>\n<p>")).repeat(4);
        Message::builder()
            .from("Platform <nieuws@kus.example.nl>".parse().expect("from"))
            .to("Anouk <anouk@example.nl>".parse().expect("to"))
            .subject("Platformnieuws: één nummer")
            .message_id(Some("<1@kus.example.nl>".into()))
            .date_now()
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Id"),
                "Platform <nieuws.kus.example.nl>".into(),
            ))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .expect("message")
            .formatted()
    }

    /// The names in `h=` of the DKIM-Signature in front of `signed`,
    /// lowercased and sorted.
    fn signed_headers(signed: &[u8]) -> Vec<String> {
        let text = String::from_utf8_lossy(signed);
        let mut lines = text.split("\r\n");
        let first = lines.next().expect("a line");
        let folded = lines.take_while(|l| l.starts_with([' ', '\t']));
        let field: String = std::iter::once(first)
            .chain(folded)
            .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
            .collect();
        let h = field
            .split(';')
            .find_map(|tag| tag.strip_prefix("h="))
            .expect("h=");
        let mut names: Vec<String> = h.split(':').map(str::to_lowercase).collect();
        names.sort();
        names
    }

    #[test]
    fn h_names_the_headers_the_message_carries_and_content_type() {
        let signed = signer(1024).sign(message(100)).expect("signed");
        assert!(signed.starts_with(
            b"DKIM-Signature: v=1; a=rsa-sha256; s=postbode; d=kus.example.nl; c=relaxed/relaxed;"
        ));
        assert_eq!(
            signed_headers(&signed),
            [
                "content-type",
                "date",
                "from",
                "list-id",
                "message-id",
                "mime-version",
                "subject",
                "to"
            ]
        );
    }

    #[test]
    fn debug_shows_the_domain_not_the_key() {
        let shown = format!("{:?}", signer(1024));
        assert_eq!(
            shown,
            "DkimSigner { domain: \"kus.example.nl\", selector: \"postbode\", .. }"
        );
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
        let signer = signer(2048);
        for size in [500, 12_000] {
            let message = message(size);
            let runs = 400;
            let plain = per_run(runs, || {
                black_box(message.clone());
            });
            let signed = per_run(runs, || {
                black_box(signer.sign(message.clone()).expect("signed"));
            });
            println!(
                "{:>6}-byte message: {:.3} ms to sign",
                message.len(),
                (signed.saturating_sub(plain)).as_secs_f64() * 1e3,
            );
        }
    }
}
