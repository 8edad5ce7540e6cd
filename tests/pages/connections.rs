//! Clients that are slow or idle cannot hold the web server: a request
//! header must arrive within the header-read timeout, a request must be
//! answered within the request timeout, connections beyond the cap wait,
//! and shutting down is not held up by them.

use postbode::web::server::{HEADER_READ_TIMEOUT, MAX_CONNECTIONS, REQUEST_TIMEOUT};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{Postbode, SmtpServer};
use crate::get;

const HALF_A_HEADER: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";

fn serving() -> (SmtpServer, Postbode) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    (smtp, pb)
}

async fn open(pb: &Postbode, send: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", pb.http_port))
        .await
        .expect("connect");
    s.write_all(send).await.expect("send");
    s
}

/// Reads until the server closes the connection; what it sent, and when.
async fn until_closed(mut s: TcpStream, limit: Duration) -> (Vec<u8>, Instant) {
    let mut got = Vec::new();
    match tokio::time::timeout(limit, s.read_to_end(&mut got)).await {
        Ok(Ok(_)) => (got, Instant::now()),
        Ok(Err(e)) => panic!("the connection failed instead of closing: {e}"),
        Err(_) => panic!(
            "still open after {limit:?}; received {:?}",
            String::from_utf8_lossy(&got)
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn half_sent_and_idle_connections_are_closed_after_the_header_timeout() {
    let (_smtp, pb) = serving();
    let start = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..200 {
        slow.push(open(&pb, HALF_A_HEADER).await);
    }
    // A keep-alive connection that asked once and then stays silent.
    let mut idle = open(
        &pb,
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n",
    )
    .await;
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).await.expect("an answer");
    assert_eq!(&first, b"HTTP/1.1 200");
    let idle_since = Instant::now();

    // Meanwhile everyone else is served at once.
    let asked = Instant::now();
    let health = get(&format!("{}/healthz", pb.base_url())).await;
    assert_eq!(health.status, 200);
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "/healthz took {:?} beside 200 slow clients",
        asked.elapsed()
    );

    let limit = HEADER_READ_TIMEOUT + Duration::from_secs(10);
    let closing: Vec<_> = slow
        .into_iter()
        .map(|s| tokio::spawn(until_closed(s, limit)))
        .collect();
    for c in closing {
        let (got, at) = c.await.expect("reader");
        assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
        let after = at - start;
        assert!(
            after >= HEADER_READ_TIMEOUT - Duration::from_millis(500),
            "closed after {after:?}, before the header timeout"
        );
    }
    let (rest, at) = until_closed(idle, limit).await;
    let rest = String::from_utf8_lossy(&rest);
    assert!(rest.ends_with("ok\n"), "only the answer: {rest:?}");
    assert!(
        at - idle_since >= HEADER_READ_TIMEOUT - Duration::from_millis(500),
        "the idle connection closed after {:?}",
        at - idle_since
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let (_smtp, pb) = serving();
    // Timed from the first held connection: the server frees a place when
    // that one's header timeout runs out, and opening all of them takes a
    // while on a busy machine.
    let start = Instant::now();
    let mut held = Vec::new();
    for _ in 0..MAX_CONNECTIONS {
        held.push(open(&pb, b"").await);
    }
    // Behind the others in the listen queue: served only when one of them
    // has been closed for saying nothing.
    let mut next = open(&pb, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").await;
    let mut status = [0u8; 12];
    let read = tokio::time::timeout(
        HEADER_READ_TIMEOUT + Duration::from_secs(10),
        next.read_exact(&mut status),
    )
    .await;
    assert!(read.is_ok(), "never answered");
    assert_eq!(&status, b"HTTP/1.1 200");
    assert!(
        start.elapsed() >= HEADER_READ_TIMEOUT - Duration::from_millis(500),
        "answered after {:?} while {MAX_CONNECTIONS} connections were open",
        start.elapsed()
    );
    drop(held);
    // With the crowd gone, a client is served at once again.
    let asked = Instant::now();
    assert_eq!(get(&format!("{}/healthz", pb.base_url())).await.status, 200);
    assert!(asked.elapsed() < Duration::from_secs(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_that_never_finishes_is_answered_408_after_the_request_timeout() {
    let (_smtp, pb) = serving();
    let start = Instant::now();
    let s = open(
        &pb,
        b"POST /subscribe HTTP/1.1\r\nHost: 127.0.0.1\r\n\
          Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nemail=a",
    )
    .await;
    let (got, at) = until_closed(s, REQUEST_TIMEOUT + Duration::from_secs(10)).await;
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(
        at - start >= REQUEST_TIMEOUT - Duration::from_millis(500),
        "answered after {:?}",
        at - start
    );
    assert!(
        got.to_lowercase()
            .contains("x-content-type-options: nosniff")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shutting_down_is_not_held_up_by_slow_clients() {
    let (_smtp, mut pb) = serving();
    let mut slow = Vec::new();
    for _ in 0..50 {
        slow.push(open(&pb, HALF_A_HEADER).await);
    }
    slow.push(open(&pb, b"").await);
    // Between two requests on a kept-alive connection.
    let mut asked_once = open(
        &pb,
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n",
    )
    .await;
    let mut answer = Vec::new();
    while !answer.ends_with(b"ok\n") {
        let mut buf = [0u8; 512];
        let n = asked_once.read(&mut buf).await.expect("an answer");
        assert!(n > 0, "closed before answering");
        answer.extend_from_slice(&buf[..n]);
    }
    slow.push(asked_once);
    let start = Instant::now();
    pb.stop();
    let took = start.elapsed();
    assert!(
        took < HEADER_READ_TIMEOUT / 2,
        "stopping took {took:?}; log:\n{}",
        pb.log()
    );
    assert!(pb.log().contains("postbode stopped"), "{}", pb.log());
    for s in slow {
        let (got, _) = until_closed(s, Duration::from_secs(2)).await;
        assert!(got.is_empty());
    }
}
