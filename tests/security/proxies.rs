//! Behind a reverse proxy every visitor arrives from the proxy's address.
//! `http.trusted_proxies` names the proxies whose `Forwarded` and
//! `X-Forwarded-For` are believed; from anyone else those headers change
//! nothing: not the rate limits, not the address in the consent record.

use crate::common::{Postbode, SmtpServer, serving};
use crate::{consent_history, set_config};

fn trust(pb: &Postbode, cidrs: &str) {
    let listen = format!(
        "listen = \"{}\"",
        pb.base_url().trim_start_matches("http://")
    );
    set_config(
        pb,
        &listen,
        &format!("{listen}\ntrusted_proxies = [{cidrs}]"),
    );
}

fn consent_ip(pb: &Postbode, email: &str) -> String {
    consent_history(pb, email)[0]["ip"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_headers_from_an_untrusted_peer_change_nothing() {
    let (_smtp, pb) = serving("");
    for i in 1..=5 {
        let email = format!("lezer{i}@example.nl");
        let xff = format!("203.0.113.{i}");
        let fwd = format!("for=198.51.100.{i}");
        let (status, page) = pb
            .sign_up(
                &[("email", &email)],
                &[("X-Forwarded-For", &xff), ("Forwarded", &fwd)],
            )
            .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(consent_ip(&pb, &email), "127.0.0.1", "not the claimed one");
    }
    // A new claimed address each time does not buy a new allowance.
    let (status, _) = pb
        .sign_up(
            &[("email", "lezer6@example.nl")],
            &[("X-Forwarded-For", "203.0.113.99")],
        )
        .await;
    assert_eq!(status, 429);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trusted_proxy_passes_each_visitors_own_address() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    trust(&pb, "\"127.0.0.1/32\"");
    pb.serve();
    // Seven visitors behind the one proxy: nobody locks the others out.
    for i in 1..=7 {
        let email = format!("lezer{i}@example.nl");
        let xff = format!("203.0.113.{i}");
        let (status, page) = pb
            .sign_up(&[("email", &email)], &[("X-Forwarded-For", &xff)])
            .await;
        assert_eq!(status, 200, "visitor {i}: {page}");
        assert_eq!(consent_ip(&pb, &email), xff);
    }
    // RFC 7239, IPv6 with a port.
    let (status, _) = pb
        .sign_up(
            &[("email", "zes@example.nl")],
            &[("Forwarded", "for=\"[2001:db8::7]:4711\";proto=https")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(consent_ip(&pb, "zes@example.nl"), "2001:db8::7");
    // What the visitor wrote in front of the proxy's entry is not believed.
    let (status, _) = pb
        .sign_up(
            &[("email", "spoof@example.nl")],
            &[("X-Forwarded-For", "10.9.9.9, 203.0.113.50")],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(consent_ip(&pb, "spoof@example.nl"), "203.0.113.50");
    // One visitor behind the proxy is still limited on their own.
    for i in 0..5 {
        let email = format!("veel{i}@example.nl");
        let (status, _) = pb
            .sign_up(&[("email", &email)], &[("X-Forwarded-For", "203.0.113.60")])
            .await;
        assert_eq!(status, 200, "sign-up {i}");
    }
    let (status, _) = pb
        .sign_up(
            &[("email", "veel5@example.nl")],
            &[("X-Forwarded-For", "203.0.113.60")],
        )
        .await;
    assert_eq!(status, 429);
}
