//! The archive a page at a time and its Atom feed, read by a real feed
//! parser (Python's feedparser): 25 sent issues, a hostile subject, and
//! nothing of a subscriber's own in it.

use std::process::Command;

use crate::common::{self, Postbode, SmtpServer, soon};
use crate::get;

const ISSUES: usize = 25;

/// Issue 7's subject: markup, an ampersand, quotes and a CDATA end.
const HOSTILE: &str = r#"<script>alert(1)</script> & Co's "nieuws" ]]> <b>vet</b>"#;

/// The feed as feedparser reads it, as JSON.
const PARSE: &str = r#"
import json, sys, time, feedparser
d = feedparser.parse(sys.stdin.buffer.read())
t = lambda s: time.strftime("%Y-%m-%dT%H:%M:%SZ", s) if s else None
print(json.dumps({
    "bozo": d.bozo, "error": str(d.get("bozo_exception", "")), "version": d.version,
    "id": d.feed.get("id"), "title": d.feed.get("title"), "updated": t(d.feed.get("updated_parsed")),
    "author": d.feed.get("author"),
    "links": [(l.get("rel"), l.get("href"), l.get("type")) for l in d.feed.get("links", [])],
    "entries": [{
        "id": e.get("id"), "title": e.get("title"), "link": e.get("link"),
        "updated": t(e.get("updated_parsed")), "summary": e.get("summary"),
        "content": [(c.get("type"), c.get("value")) for c in e.get("content", [])],
    } for e in d.entries],
}))
"#;

fn parse_feed(xml: &str) -> serde_json::Value {
    use std::io::Write;
    let mut child = Command::new(common::python())
        .args(["-c", PARSE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python with feedparser");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(xml.as_bytes())
        .expect("write feed");
    let out = child.wait_with_output().expect("feedparser");
    assert!(out.status.success(), "feedparser failed");
    serde_json::from_slice(&out.stdout).expect("json from feedparser")
}

fn slug(n: usize) -> String {
    format!("nummer-{n:02}")
}

/// Issue n went out at hour n of a fixed day: the newest is the highest n.
fn started(n: usize) -> i64 {
    1_800_000_000 + n as i64 * 3600
}

fn iso(epoch: i64) -> String {
    chrono::DateTime::from_timestamp(epoch, 0)
        .expect("time")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

fn issue(n: usize) -> String {
    let subject = if n == 7 {
        // Hostile: markup, an ampersand, quotes and a CDATA end.
        r#"subject: "<script>alert(1)</script> & Co's \"nieuws\" ]]> <b>vet</b>""#.to_string()
    } else {
        format!("subject: Platformnieuws {n}")
    };
    let preheader = if n % 2 == 0 {
        format!("preheader: Voorproefje {n} & meer\n")
    } else {
        String::new()
    };
    format!(
        "---\n{subject}\n{preheader}send_at: {}\n---\n\
         Beste {{{{ subscriber.name }}}}, dit is nummer {n}.\n\n\
         [Voorkeuren]({{{{ preferences_url }}}}) · [Afmelden]({{{{ unsubscribe_url }}}})\n",
        soon(3)
    )
}

/// 25 issues sent to Anouk, with known times of sending.
async fn sent_archive() -> (SmtpServer, Postbode) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    pb.serve();
    for n in 1..=ISSUES {
        pb.drop_issue(&format!("{}.md", slug(n)), &issue(n));
    }
    smtp.wait_for(ISSUES, 90);
    for n in 1..=ISSUES {
        pb.wait_issue(&slug(n), "sent", 30);
    }
    for n in 1..=ISSUES {
        pb.sql(&format!(
            "UPDATE issues SET started_at = {}, sent_at = {} WHERE slug = '{}'",
            started(n),
            started(n) + 60,
            slug(n)
        ))
        .await;
    }
    (smtp, pb)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_archive_pages_and_its_feed_list_the_sent_issues() {
    let (smtp, pb) = sent_archive().await;
    let base = pb.base_url();

    // Page 1: the 20 newest, a link to older ones and to the feed.
    let first = get(&format!("{base}/archive")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert!(
        first.body.contains(&format!(
            r#"<link rel="alternate" type="application/atom+xml" title="Volg het archief als Atom-feed" href="{base}/archive.atom">"#
        )),
        "{}",
        first.body
    );
    for n in 6..=ISSUES {
        assert!(
            first.body.contains(&format!("/archive/{}\"", slug(n))),
            "{n}"
        );
    }
    assert!(
        !first.body.contains("/archive/nummer-05\""),
        "{}",
        first.body
    );
    assert!(
        first.body.contains(r#"href="/archive?page=2""#),
        "{}",
        first.body
    );
    assert!(!first.body.contains("page=0"), "{}", first.body);
    let pos = |page: &str, n: usize| page.find(&format!("/archive/{}\"", slug(n)));
    assert!(pos(&first.body, 25) < pos(&first.body, 24), "newest first");
    // The hostile subject is text, not markup.
    assert!(!first.body.contains("<script>alert"), "{}", first.body);
    assert!(
        first
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co")
    );

    // Page 2: the 5 oldest and a link back.
    let second = get(&format!("{base}/archive?page=2")).await;
    assert_eq!(second.status, 200);
    for n in 1..=5 {
        assert!(
            second.body.contains(&format!("/archive/{}\"", slug(n))),
            "{n}"
        );
    }
    assert!(!second.body.contains("/archive/nummer-06\""));
    assert!(
        second.body.contains(r#"href="/archive?page=1""#),
        "{}",
        second.body
    );
    assert!(second.body.contains("Pagina 2 van 2"), "{}", second.body);
    let english = get(&format!("{base}/archive?page=2&lang=en")).await;
    assert!(english.body.contains("Page 2 of 2"), "{}", english.body);

    // A page that is not one: a clear page, not an error of the server.
    for bad in ["0", "3", "-1", "abc", "1e3", "99999999999999999999"] {
        let a = get(&format!("{base}/archive?page={bad}")).await;
        assert_eq!(a.status, 404, "page={bad}: {}", a.body);
        assert!(
            a.body.contains(
                "Deze pagina van het archief bestaat niet; het archief heeft 2 pagina('s)."
            ),
            "page={bad}: {}",
            a.body
        );
    }

    // The feed, as a feed reader reads it.
    let atom = get(&format!("{base}/archive.atom")).await;
    assert_eq!(atom.status, 200);
    assert_eq!(
        atom.header("content-type"),
        Some("application/atom+xml; charset=utf-8")
    );
    let feed = parse_feed(&atom.body);
    assert_eq!(feed["bozo"], false, "{}", feed["error"]);
    assert_eq!(feed["version"], "atom10");
    assert!(
        feed["id"]
            .as_str()
            .is_some_and(|i| i.starts_with("urn:uuid:")),
        "{feed}"
    );
    assert_eq!(feed["updated"], iso(started(ISSUES) + 60));
    assert_eq!(feed["author"], "kennisplatform Utrecht Sociaal");
    let links = feed["links"].to_string();
    assert!(
        links.contains(&format!(
            r#"["self","{base}/archive.atom","application/atom+xml"]"#
        )),
        "{links}"
    );
    let entries = feed["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 20, "the newest 20");
    let mut ids = std::collections::HashSet::new();
    for (e, n) in entries.iter().zip((6..=ISSUES).rev()) {
        assert_eq!(e["link"], format!("{base}/archive/{}", slug(n)));
        assert_eq!(e["updated"], iso(started(n) + 60), "{e}");
        let id = e["id"].as_str().expect("id");
        assert!(
            id.starts_with("urn:uuid:") && ids.insert(id.to_string()),
            "{e}"
        );
        if n == 7 {
            assert_eq!(e["title"], HOSTILE);
        } else {
            assert_eq!(e["title"], format!("Platformnieuws {n}"));
        }
        if n % 2 == 0 {
            assert_eq!(e["summary"], format!("Voorproefje {n} & meer"));
        }
        let content = &e["content"][0];
        assert_eq!(content[0], "text/html", "{e}");
        let html = content[1].as_str().expect("content");
        assert!(html.contains(&format!("dit is nummer {n}")), "{html}");
        assert!(html.contains("Beste lezer"), "{html}");
    }

    // Nothing of Anouk's: no name, address, token or personal link.
    let mail = smtp.with_subject("Platformnieuws 25").remove(0);
    let token = mail
        .unsubscribe_url()
        .rsplit('/')
        .next()
        .expect("token")
        .to_string();
    for personal in ["Anouk", "anouk@", "/preferences/", "/unsubscribe/", &token] {
        assert!(!atom.body.contains(personal), "{personal} is in the feed");
    }
    // Ids stay the same from one read to the next.
    let again = parse_feed(&get(&format!("{base}/archive.atom")).await.body);
    assert_eq!(again["entries"], feed["entries"]);
    assert_eq!(again["id"], feed["id"]);
    hostile_subjects(&pb).await;
}

/// A hostile subject is escaped and the feed still parses.
async fn hostile_subjects(pb: &Postbode) {
    let base = pb.base_url();
    // Make the hostile issue the newest, and give another a subject with
    // control characters, as an earlier version could have stored it.
    pb.sql(&format!(
        "UPDATE issues SET started_at = {0}, sent_at = {0} WHERE slug = 'nummer-07'",
        started(ISSUES + 2)
    ))
    .await;
    pb.sql(&format!(
        "UPDATE issues SET started_at = {0}, sent_at = {0}, subject = 'Bel' || char(7) || 'en' || char(27) || '[31m rood' WHERE slug = 'nummer-03'",
        started(ISSUES + 1)
    ))
    .await;
    let atom = get(&format!("{base}/archive.atom")).await;
    assert!(!atom.body.contains("<script>"), "{}", atom.body);
    assert!(!atom.body.contains('\u{7}') && !atom.body.contains('\u{1b}'));
    let feed = parse_feed(&atom.body);
    assert_eq!(feed["bozo"], false, "{}", feed["error"]);
    let entries = feed["entries"].as_array().expect("entries");
    assert_eq!(entries[0]["title"], HOSTILE);
    assert_eq!(entries[1]["title"], "Belen[31m rood");
    let page = get(&format!("{base}/archive/nummer-07")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
}
