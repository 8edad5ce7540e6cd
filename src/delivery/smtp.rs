//! SMTP connections opened by postbode itself, with TCP_NODELAY: lettre writes
//! the body and the final `.` separately, and without NODELAY every message
//! waits ~40 ms for a delayed ACK (23 instead of ~1000 messages a second).

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    None,
    Starttls,
    Implicit,
}

#[derive(Debug, Clone)]
pub struct SmtpTarget {
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    pub credentials: Option<(String, String)>,
}

impl SmtpTarget {
    /// Connects, greets, upgrades to TLS and authenticates as configured.
    pub async fn connect(&self, timeout: Duration) -> Result<AsyncSmtpConnection, String> {
        self.try_connect(timeout).await
    }

    async fn try_connect(&self, timeout: Duration) -> Result<AsyncSmtpConnection, String> {
        let e = |e: lettre::transport::smtp::Error| e.to_string();
        let hello = ClientId::default();
        let mut conn = match self.tls {
            Tls::Implicit => {
                // Implicit TLS must wrap the socket before the greeting; lettre opens it.
                let params = TlsParameters::new(self.host.clone()).map_err(e)?;
                AsyncSmtpConnection::connect_tokio1(
                    (self.host.as_str(), self.port),
                    Some(timeout),
                    &hello,
                    Some(params),
                    None,
                )
                .await
                .map_err(e)?
            }
            Tls::None | Tls::Starttls => {
                let stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port))
                    .await
                    .map_err(|e| e.to_string())?;
                stream.set_nodelay(true).map_err(|e| e.to_string())?;
                let mut conn =
                    AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                        .await
                        .map_err(e)?;
                if self.tls == Tls::Starttls {
                    let params = TlsParameters::new(self.host.clone()).map_err(e)?;
                    conn.starttls(params, &hello).await.map_err(e)?;
                }
                conn
            }
        };
        if let Some((user, pass)) = &self.credentials {
            conn.auth(
                &[Mechanism::Plain, Mechanism::Login],
                &Credentials::new(user.clone(), pass.clone()),
            )
            .await
            .map_err(e)?;
        }
        Ok(conn)
    }
}
