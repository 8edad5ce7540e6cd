//! `postbode healthcheck`: asks the local server's `/healthz`, for a
//! container's HEALTHCHECK or a supervisor (the image has no curl).

use anyhow::Result;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Config;
use crate::domain::texts::tr;
use crate::logging::{say, say_err};

/// Longer than a healthy server ever needs; short enough for a probe.
const TIMEOUT: Duration = Duration::from_secs(5);

pub async fn healthcheck(config: &Config) -> Result<ExitCode> {
    let lang = config.platform.language;
    let url = format!("http://{}/healthz", reachable(config.http.listen));
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        // A proxy from the environment must not answer for this machine.
        .no_proxy()
        .build()?;
    match client.get(&url).send().await {
        Ok(r) if r.status() == reqwest::StatusCode::OK => {
            say!("{}", tr!(lang, "healthcheck.ok", url = url));
            Ok(ExitCode::SUCCESS)
        }
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.text().await.unwrap_or_default();
            let reason = first_line(&body);
            say_err!(
                "{}",
                tr!(
                    lang,
                    "healthcheck.unhealthy",
                    url = url,
                    status = status,
                    reason = reason
                )
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e) => {
            // The cause chain says why (refused, timed out), not only "error sending request".
            let reason = first_line(&format!("{:#}", anyhow::Error::from(e)));
            say_err!(
                "{}",
                tr!(lang, "healthcheck.no_answer", url = url, reason = reason)
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The address to ask: a server listening on every interface is asked on
/// the loopback one.
fn reachable(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

/// One line of at most 200 characters: the reason fits a health log.
fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("-")
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_on_every_interface_is_asked_on_loopback() {
        let any: SocketAddr = "0.0.0.0:8080".parse().expect("addr");
        assert_eq!(reachable(any).to_string(), "127.0.0.1:8080");
        let any6: SocketAddr = "[::]:8080".parse().expect("addr");
        assert_eq!(reachable(any6).to_string(), "[::1]:8080");
        let one: SocketAddr = "10.0.0.5:80".parse().expect("addr");
        assert_eq!(reachable(one), one);
    }

    #[test]
    fn the_reason_is_one_short_line() {
        assert_eq!(first_line("\n sender stuck \nmore"), "sender stuck");
        assert_eq!(first_line(""), "-");
        assert_eq!(first_line(&"x".repeat(500)).len(), 200);
    }
}
