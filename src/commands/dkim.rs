//! `postbode dkim-keygen`: a new RSA-2048 DKIM key in PKCS#1 PEM, the DNS TXT
//! record that publishes its public half, and the `[dkim]` lines that use it.

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use rsa::RsaPrivateKey;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use rsa::pkcs8::EncodePublicKey;
use rsa::rand_core::OsRng;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::DkimKeygenArgs;
use crate::config::Config;
use crate::domain::dns::DnsName;
use crate::logging::say;

const BITS: usize = 2048;
const DEFAULT_SELECTOR: &str = "postbode";
const DEFAULT_FILE: &str = "dkim.pem";
/// The longest string one DNS TXT character-string holds (RFC 1035).
const TXT_CHUNK: usize = 255;

/// `config` is None when there is no configuration file yet: the key is
/// usually made before the `[dkim]` section that names it.
pub fn keygen(config: Option<&Config>, args: &DkimKeygenArgs) -> Result<ExitCode> {
    let dkim = config.and_then(|c| c.dkim.as_ref());
    let domain = match (&args.domain, dkim, config) {
        (Some(d), _, _) => d.clone(),
        (None, Some(dkim), _) => dkim.domain.to_string(),
        (None, None, Some(config)) => config.sender_domain(),
        (None, None, None) => bail!(
            "no configuration file to take the domain from: give --domain, e.g. --domain kus.example.nl"
        ),
    };
    let selector = match (&args.selector, dkim) {
        (Some(s), _) => s.clone(),
        (None, Some(dkim)) => dkim.selector.to_string(),
        (None, None) => DEFAULT_SELECTOR.to_string(),
    };
    if DnsName::parse(&domain).is_err() {
        bail!("--domain: {domain:?} is not a domain name such as kus.example.nl");
    }
    if DnsName::parse(&selector).is_err() {
        bail!("--selector: {selector:?} is not a DNS label such as postbode or mail2026");
    }
    let (file, setting) = key_path(config, args.out.as_deref())?;
    if file.exists() && !args.force {
        bail!(
            "{} already exists and may be the key your DNS publishes: pass --force to replace it, \
             or --out to write the new key elsewhere",
            file.display()
        );
    }

    let key = RsaPrivateKey::new(&mut OsRng, BITS).context("generating the RSA key failed")?;
    let pem = key
        .to_pkcs1_pem(LineEnding::LF)
        .context("encoding the private key failed")?;
    write_private(&file, pem.as_bytes(), args.force)?;
    let public = key
        .to_public_key()
        .to_public_key_der()
        .context("encoding the public key failed")?;
    let p = base64::engine::general_purpose::STANDARD.encode(public.as_bytes());

    say!(
        "Wrote a new {BITS}-bit RSA key to {} (readable by its owner only).\n",
        file.display()
    );
    say!("1. Publish this TXT record in the DNS zone of {domain}:\n");
    say!("{}\n", txt_record(&selector, &domain, &p));
    say!(
        "   Check it with `dig +short TXT {selector}._domainkey.{domain}` before signing with the key.\n"
    );
    say!("2. Put these lines in postbode.toml and restart postbode:\n");
    say!("[dkim]");
    say!("domain = {}", toml_string(&domain));
    say!("selector = {}", toml_string(&selector));
    say!("private_key_file = {}", toml_string(&setting));
    Ok(ExitCode::SUCCESS)
}

/// Where to write the key, and the `private_key_file` value that finds it
/// from the configuration's folder.
fn key_path(config: Option<&Config>, out: Option<&Path>) -> Result<(PathBuf, String)> {
    let Some(config) = config else {
        let file = out.unwrap_or(Path::new(DEFAULT_FILE)).to_path_buf();
        let setting = file.display().to_string();
        return Ok((file, setting));
    };
    match out {
        // Given on the command line: relative to the current folder, which the
        // configuration's relative paths are not unless it lies there.
        Some(out) => {
            let setting = if out.is_absolute() || config.base_dir == Path::new(".") {
                out.to_path_buf()
            } else {
                std::path::absolute(out)
                    .with_context(|| format!("--out: cannot resolve {}", out.display()))?
            };
            Ok((out.to_path_buf(), setting.display().to_string()))
        }
        None => {
            let setting = config
                .dkim
                .as_ref()
                .map_or(PathBuf::from(DEFAULT_FILE), |d| d.private_key_file.clone());
            Ok((config.resolve(&setting), setting.display().to_string()))
        }
    }
}

/// Writes `bytes` to a new file only its owner can read (mode 0600 on Unix).
fn write_private(path: &Path, bytes: &[u8], replace: bool) -> Result<()> {
    let shown = path.display();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    if replace {
        // A new file rather than truncating the old one: the old file's
        // permissions may be looser than 0600.
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot replace {shown}"));
            }
            _ => {}
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path).with_context(|| {
        format!("cannot create {shown} (pass --force to replace an existing file)")
    })?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {shown}"))
}

/// `sel._domainkey.domain IN TXT "…" "…"`: the value in quoted strings of at
/// most 255 characters, which DNS joins back together.
fn txt_record(selector: &str, domain: &str, public_key_base64: &str) -> String {
    let value = format!("v=DKIM1; k=rsa; p={public_key_base64}");
    let chunks: Vec<String> = value
        .as_bytes()
        .chunks(TXT_CHUNK)
        .map(|c| format!("\"{}\"", String::from_utf8_lossy(c)))
        .collect();
    format!("{selector}._domainkey.{domain} IN TXT {}", chunks.join(" "))
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_is_split_into_strings_dns_accepts() {
        let p = "A".repeat(392); // the length of an RSA-2048 SubjectPublicKeyInfo in base64
        let record = txt_record("postbode", "kus.example.nl", &p);
        let (name, strings) = record.split_once(" IN TXT ").expect("record");
        assert_eq!(name, "postbode._domainkey.kus.example.nl");
        let parts: Vec<&str> = strings
            .split('"')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s)
            .collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|s| s.len() <= TXT_CHUNK));
        assert_eq!(parts.concat(), format!("v=DKIM1; k=rsa; p={p}"));
    }
}
