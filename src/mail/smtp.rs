//! SMTP connections opened by postbode itself, with TCP_NODELAY: lettre writes
//! the body and the final `.` separately, and without NODELAY every message
//! waits ~40 ms for a delayed ACK (23 instead of ~1000 messages a second).

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;

use crate::config::{SmtpTarget, Tls};

/// Connects to `target`, greets, upgrades to TLS and authenticates as configured.
pub async fn connect(
    target: &SmtpTarget,
    timeout: Duration,
) -> Result<AsyncSmtpConnection, String> {
    let e = |e: lettre::transport::smtp::Error| e.to_string();
    let hello = ClientId::default();
    let mut conn = match target.tls {
        Tls::Implicit => {
            // Implicit TLS must wrap the socket before the greeting; lettre opens it.
            let params = TlsParameters::new(target.host.clone()).map_err(e)?;
            AsyncSmtpConnection::connect_tokio1(
                (target.host.as_str(), target.port),
                Some(timeout),
                &hello,
                Some(params),
                None,
            )
            .await
            .map_err(e)?
        }
        Tls::None | Tls::Starttls => {
            let stream = tokio::net::TcpStream::connect((target.host.as_str(), target.port))
                .await
                .map_err(|e| e.to_string())?;
            stream.set_nodelay(true).map_err(|e| e.to_string())?;
            let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                .await
                .map_err(e)?;
            if target.tls == Tls::Starttls {
                let params = TlsParameters::new(target.host.clone()).map_err(e)?;
                conn.starttls(params, &hello).await.map_err(e)?;
            }
            conn
        }
    };
    if let Some((user, pass)) = &target.credentials {
        conn.auth(
            &[Mechanism::Plain, Mechanism::Login],
            &Credentials::new(user.clone(), pass.clone()),
        )
        .await
        .map_err(e)?;
    }
    Ok(conn)
}
