//! An SMTP server that answers nonsense, on a real socket: garbage instead
//! of a greeting, replies with codes that do not exist, a greeting that
//! never ends, a reply ahead of the message. The messages wait in the queue
//! (nothing is lost, nothing is marked sent), the daemon keeps serving, and
//! once a real server is configured every subscriber gets the issue exactly
//! once.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::{Postbode, SmtpServer, soon};
use crate::{copies, issue, still_serving};

/// How the fake server misbehaves.
#[derive(Clone, Copy)]
enum Nonsense {
    /// Binary garbage where the greeting should be.
    Garbage,
    /// A proper greeting, then `999` to every command.
    NoSuchCode,
    /// A greeting line 8 MB long that never ends.
    EndlessLine,
    /// Offers PIPELINING, then answers the message before it was sent:
    /// `354` and `250` in one write, right after DATA.
    AnswersAhead,
}

/// A TCP server on 127.0.0.1 answering `how`; stops when dropped.
struct FakeServer {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl FakeServer {
    fn start(how: Nonsense) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        std::thread::spawn(move || answer(conn, how));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Self { port, stop }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn answer(mut conn: std::net::TcpStream, how: Nonsense) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    match how {
        Nonsense::Garbage => {
            let _ = conn.write_all(&[0xff, 0xfe, 0x00, 0x1b, b'[', b'2', b'J', b'\r', b'\n']);
            let _ = conn.write_all(b"HELLO I AM NOT A MAIL SERVER\r\n");
        }
        Nonsense::NoSuchCode => {
            let _ = conn.write_all(b"220 fake ESMTP\r\n");
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                let _ = conn.write_all(b"999 what do you mean\r\n");
                line.clear();
            }
        }
        Nonsense::AnswersAhead => {
            let _ = conn.write_all(b"220 fake ESMTP\r\n");
            let mut reader = BufReader::new(conn.try_clone().expect("clone"));
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                let command = line.trim_end().to_ascii_uppercase();
                let reply: &[u8] = if command.starts_with("EHLO") {
                    b"250-fake\r\n250 PIPELINING\r\n"
                } else if command == "DATA" {
                    b"354 go ahead\r\n250 2.0.0 queued before the message came\r\n"
                } else if command.starts_with("MAIL") || command.starts_with("RCPT") {
                    b"250 ok\r\n"
                } else if command == "QUIT" {
                    b"221 bye\r\n"
                } else {
                    b""
                };
                let _ = conn.write_all(reply);
                line.clear();
            }
        }
        Nonsense::EndlessLine => {
            let _ = conn.write_all(b"220 ");
            let chunk = vec![b'x'; 64 * 1024];
            for _ in 0..128 {
                if conn.write_all(&chunk).is_err() {
                    return;
                }
            }
        }
    }
    std::thread::sleep(Duration::from_secs(2));
}

async fn nonsense_then_a_real_server(how: Nonsense) {
    let fake = FakeServer::start(how);
    let mut pb = Postbode::new(&format!("smtp://127.0.0.1:{}", fake.port), "");
    let people = ["anouk@example.nl", "bram@example.nl", "chris@example.nl"];
    for p in people {
        pb.add(p, "", &[], &[]);
    }
    pb.serve_with_env(&[("POSTBODE_SMTP__RETRY_BASE_SECS", "1")]);
    let subject = "Platformnieuws door de ruis";
    pb.drop_issue("2027-08-ruis.md", &issue(subject, &soon(2)));
    // Tried, refused by nonsense, queued again: nothing is marked sent.
    pb.wait_issue("2027-08-ruis", "sending", 30);
    let end = std::time::Instant::now() + Duration::from_secs(30);
    let replies = loop {
        let db = pb.sqlite().await;
        let rows: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT attempts, state, last_reply FROM deliveries")
                .fetch_all(&db)
                .await
                .expect("deliveries");
        db.close().await;
        assert!(
            rows.iter().all(|r| r.1 != "sent" && r.1 != "failed"),
            "nonsense is never taken for an answer: {rows:?}"
        );
        if rows.len() == 3 && rows.iter().all(|r| r.0 >= 1 && r.1 == "queued") {
            break rows.into_iter().map(|r| r.2).collect::<Vec<_>>();
        }
        assert!(std::time::Instant::now() < end, "never retried: {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(replies.iter().all(|r| !r.is_empty()), "{replies:?}");
    still_serving(&pb).await;

    // The operator points postbode at a real server: every message arrives once.
    pb.stop();
    let smtp = SmtpServer::start(&[]);
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace(&format!("smtp://127.0.0.1:{}", fake.port), &smtp.url());
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    pb.serve_with_env(&[("POSTBODE_SMTP__RETRY_BASE_SECS", "1")]);
    pb.wait_issue("2027-08-ruis", "sent", 60);
    let got = copies(&smtp, subject);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.values().all(|n| *n == 1), "{got:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_answers_garbage_loses_nothing() {
    nonsense_then_a_real_server(Nonsense::Garbage).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_answers_with_codes_that_do_not_exist_loses_nothing() {
    nonsense_then_a_real_server(Nonsense::NoSuchCode).await;
}

/// A pipelining server's reply that comes before the message it answers is
/// not taken for the message's acceptance.
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_ahead_of_the_message_loses_nothing() {
    nonsense_then_a_real_server(Nonsense::AnswersAhead).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_greeting_that_never_ends_loses_nothing() {
    nonsense_then_a_real_server(Nonsense::EndlessLine).await;
}
