//! Opening the bounce mailbox: TCP, TLS (rustls with ring, webpki's roots
//! and `bounces.ca_file`), the greeting and the login.

use anyhow::{Context, Result, anyhow, bail};
use async_imap::{Client, Session};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::config::ImapUrl;
use crate::domain::redact::redact_url_passwords;
use crate::domain::text::cleaned;

/// A connection to the server, with or without TLS.
pub trait Wire: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Wire for T {}

pub type Imap = Session<Box<dyn Wire>>;

/// Connecting, TLS and the login each give up after this long.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Why a connection failed: a refused login is the operator's to fix, the
/// rest may pass by itself.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the server refused the login: {0}")]
    Login(String),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

/// The TLS settings, built once: the public roots and the operator's CA.
pub fn tls_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = ca_file {
        let mut added = 0;
        for cert in CertificateDer::pem_file_iter(path)
            .with_context(|| format!("bounces.ca_file: cannot read {}", path.display()))?
        {
            let cert = cert.with_context(|| {
                format!("bounces.ca_file: {} is not a PEM file", path.display())
            })?;
            roots.add(cert).with_context(|| {
                format!(
                    "bounces.ca_file: a certificate in {} is not usable",
                    path.display()
                )
            })?;
            added += 1;
        }
        if added == 0 {
            bail!(
                "bounces.ca_file: {} holds no certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            );
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS setup")?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Connects, reads the greeting and logs in.
pub async fn open(url: &ImapUrl, tls: &Arc<rustls::ClientConfig>) -> Result<Imap, OpenError> {
    let wire = tokio::time::timeout(TIMEOUT, wire(url, tls))
        .await
        .map_err(|_| anyhow!("no connection within {} seconds", TIMEOUT.as_secs()))??;
    let mut client = Client::new(wire);
    let greeting = tokio::time::timeout(TIMEOUT, client.read_response())
        .await
        .map_err(|_| anyhow!("no greeting within {} seconds", TIMEOUT.as_secs()))?
        .context("reading the greeting")?;
    if greeting.is_none() {
        return Err(anyhow!("the server closed the connection before its greeting").into());
    }
    match tokio::time::timeout(TIMEOUT, client.login(&url.user, url.password())).await {
        Err(_) => Err(anyhow!(
            "no answer to the login within {} seconds",
            TIMEOUT.as_secs()
        )
        .into()),
        Ok(Ok(session)) => Ok(session),
        Ok(Err((async_imap::error::Error::No(why), _))) => {
            Err(OpenError::Login(clean(server_text(&why))))
        }
        Ok(Err((e, _))) => Err(anyhow!("login: {}", clean(&e.to_string())).into()),
    }
}

async fn wire(url: &ImapUrl, tls: &Arc<rustls::ClientConfig>) -> Result<Box<dyn Wire>> {
    let tcp = TcpStream::connect((url.host.as_str(), url.port))
        .await
        .with_context(|| format!("cannot connect to {}:{}", url.host, url.port))?;
    if !url.tls {
        return Ok(Box::new(tcp));
    }
    let name = ServerName::try_from(url.host.clone())
        .map_err(|_| anyhow!("{:?} is not a host name TLS can check", url.host))?;
    let stream = tokio_rustls::TlsConnector::from(tls.clone())
        .connect(name, tcp)
        .await
        .with_context(|| format!("TLS with {}:{}", url.host, url.port))?;
    Ok(Box::new(stream))
}

/// The server's own words in async-imap's `code: None, info: Some("…")`.
fn server_text(answer: &str) -> &str {
    answer
        .split_once("info: Some(\"")
        .and_then(|(_, rest)| rest.rsplit_once("\")"))
        .map_or(answer, |(text, _)| text)
}

/// What a server says goes to the log: one line, no URL password.
pub fn clean(text: &str) -> String {
    redact_url_passwords(&cleaned(text, 300))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_servers_words_are_taken_out_of_the_libraries_wrapping() {
        let answer = r#"code: None, info: Some("[AUTHENTICATIONFAILED] Authentication failed.")"#;
        assert_eq!(
            super::server_text(answer),
            "[AUTHENTICATIONFAILED] Authentication failed."
        );
        assert_eq!(super::server_text("plain words"), "plain words");
    }
}
