//! SMTP connections opened by postbode itself, with TCP_NODELAY: lettre writes
//! the body and the final `.` separately, and without NODELAY every message
//! waits ~40 ms for a delayed ACK (23 instead of ~1000 messages a second).
//! A plain connection to a server that offers PIPELINING also gets an
//! [`Outbox`], through which a transaction writes in two round trips (`wire`).

use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::Ehlo;
use lettre::transport::smtp::extension::ClientId;
use std::time::Duration;

use super::wire::{Outbox, Wire};
use crate::config::{SmtpTarget, Tls};

/// Connects to `target`, greets, upgrades to TLS and authenticates as
/// configured. The outbox is there when the connection is plain TCP and the
/// server offers PIPELINING.
pub async fn connect(
    target: &SmtpTarget,
    timeout: Duration,
) -> Result<(AsyncSmtpConnection, Option<Outbox>), String> {
    let e = |e: lettre::transport::smtp::Error| e.to_string();
    let hello = ClientId::default();
    let mut outbox = None;
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
            if target.tls == Tls::Starttls {
                let mut conn =
                    AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello)
                        .await
                        .map_err(e)?;
                let params = TlsParameters::new(target.host.clone()).map_err(e)?;
                conn.starttls(params, &hello).await.map_err(e)?;
                conn
            } else {
                let (wire, out) = Wire::new(stream);
                let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(wire), &hello)
                    .await
                    .map_err(e)?;
                // lettre keeps only the extensions it uses itself: ask again
                // (RFC 5321 allows a second EHLO) and look for PIPELINING.
                let ehlo = conn.command(Ehlo::new(hello.clone())).await.map_err(e)?;
                if ehlo
                    .message()
                    .any(|line| line.trim().eq_ignore_ascii_case("PIPELINING"))
                {
                    outbox = Some(out);
                }
                conn
            }
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
    Ok((conn, outbox))
}
