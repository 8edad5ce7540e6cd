//! Click counting (`tracking.clicks`) end to end: issues sent through a real
//! SMTP server, their counted links followed over HTTP: counted and sent to
//! the issue's own address; forged links, another issue's link, unknown links
//! and unsent issues get a 404 and count nothing; the database keeps nothing
//! about who clicked; with counting off the links are left as written.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, Received, SmtpServer, soon};
use sqlx::Row;

fn issue(subject: &str, body: &str) -> String {
    format!("---\nsubject: {subject}\nsend_at: {}\n---\n{body}", soon(2))
}

const NEWS: &str = "Lees [het verslag](https://kus.example.nl/verslag?jaar=2026&deel=1) \
    en [de agenda](https://kus.example.nl/agenda).\n\n\
    ![foto](https://kus.example.nl/foto.png)\n\n\
    Mail [de redactie](mailto:redactie@kus.example.nl) of pas je [voorkeuren]({{preferences_url}}) aan.\n";

/// Serves with `extra` config, sends NEWS and a second issue to one reader.
fn send_two(extra: &str) -> (SmtpServer, Postbode, Received, Received) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), extra);
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    pb.serve();
    pb.drop_issue("2026-12-nieuws.md", &issue("Nieuws december", NEWS));
    pb.drop_issue(
        "2026-12-extra.md",
        &issue(
            "Extra",
            "Zie [de andere pagina](https://kus.example.nl/anders).\n",
        ),
    );
    let mut got = smtp.wait_for(2, 30);
    let i = got
        .iter()
        .position(|m| m.subject() == "Nieuws december")
        .expect("the news");
    let news = got.remove(i);
    let extra = got.remove(0);
    assert_eq!(extra.subject(), "Extra");
    (smtp, pb, news, extra)
}

/// Every `href` of the HTML part, entities decoded.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| html_escape::decode_html_entities(s).into_owned())
        .collect()
}

async fn get(url: &str) -> reqwest::Response {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(url)
        .send()
        .await
        .expect("GET")
}

/// The click counts of `postbode status --json`: (issue, url) → clicks.
fn clicks(pb: &Postbode) -> Vec<(String, String, i64)> {
    let s = pb.status_json();
    s["clicks"]
        .as_array()
        .expect("clicks in status")
        .iter()
        .map(|c| {
            (
                c["issue"].as_str().unwrap_or_default().to_string(),
                c["url"].as_str().unwrap_or_default().to_string(),
                c["clicks"].as_i64().unwrap_or(-1),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_counted_link_counts_once_per_click_and_lands_on_the_issues_own_address() {
    let (_smtp, pb, news, extra) = send_two("\n[tracking]\nclicks = true\n");
    let base = pb.base_url();
    let html = news.html();
    let links = hrefs(&html);
    let counted: Vec<&String> = links
        .iter()
        .filter(|h| h.starts_with(&format!("{base}/l/2026-12-nieuws/")))
        .collect();
    assert_eq!(counted.len(), 2, "both web links are counted: {links:?}");
    assert!(
        !links
            .iter()
            .any(|h| h.starts_with("https://kus.example.nl/")),
        "no issue link goes straight out: {links:?}"
    );
    assert!(links.contains(&"mailto:redactie@kus.example.nl".to_string()));
    assert!(
        links
            .iter()
            .any(|h| h.starts_with(&format!("{base}/preferences/"))),
        "preferences stay direct: {links:?}"
    );
    assert!(
        links
            .iter()
            .any(|h| h.starts_with(&format!("{base}/unsubscribe/"))),
        "unsubscribe stays direct: {links:?}"
    );
    assert!(
        html.contains("src=\"https://kus.example.nl/foto.png\""),
        "images are not counted (no open tracking)"
    );
    assert!(
        news.text().contains(&format!("<{}>", counted[0])),
        "the text part has the counted link too:\n{}",
        news.text()
    );

    for _ in 0..2 {
        let r = get(counted[0]).await;
        assert_eq!(r.status(), 302);
        assert_eq!(
            r.headers()["location"],
            "https://kus.example.nl/verslag?jaar=2026&deel=1"
        );
    }
    let r = get(counted[1]).await;
    assert_eq!(r.headers()["location"], "https://kus.example.nl/agenda");

    // Forged: one character of the MAC changed.
    let mut forged = counted[0].clone();
    let last = forged.pop().expect("a char");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    // The other issue's link under this issue's name.
    let other = hrefs(&extra.html())
        .into_iter()
        .find(|h| h.starts_with(&format!("{base}/l/2026-12-extra/")))
        .expect("the other issue's counted link");
    let moved = other.replace("/l/2026-12-extra/", "/l/2026-12-nieuws/");
    // Genuine MACs, made with the installation's own key, for a link the
    // issue does not have and for an issue never sent.
    let keys = pb.agenda_mails().links;
    pb.drop_issue(
        "2027-01-concept.md",
        "---\nsubject: Concept\n---\n[x](https://kus.example.nl/x)\n",
    );
    pb.wait_issue("2027-01-concept", "draft", 10);
    for bad in [
        forged,
        moved,
        keys.click("2026-12-nieuws", 7),
        keys.click("2027-01-concept", 0),
        keys.click("bestaat-niet", 0),
        format!("{base}/l/2026-12-nieuws/0"),
        format!("{base}/l/2026-12-nieuws/0-https:%2F%2Fevil.example"),
    ] {
        let r = get(&bad).await;
        assert_eq!(r.status(), 404, "{bad}");
        assert!(r.headers().get("location").is_none());
        assert!(
            r.text()
                .await
                .expect("page")
                .contains("Deze link werkt niet")
        );
    }
    let r = get(&other).await;
    assert_eq!(r.headers()["location"], "https://kus.example.nl/anders");

    let mut got = clicks(&pb);
    got.sort();
    assert_eq!(
        got,
        [
            (
                "2026-12-extra".into(),
                "https://kus.example.nl/anders".into(),
                1
            ),
            (
                "2026-12-nieuws".into(),
                "https://kus.example.nl/agenda".into(),
                1
            ),
            (
                "2026-12-nieuws".into(),
                "https://kus.example.nl/verslag?jaar=2026&deel=1".into(),
                2
            ),
        ]
    );
    let text = pb.ok(&["status"]);
    assert!(text.contains("kliks (geteld per link"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("2026-12-nieuws")
                && l.contains(" 2  https://kus.example.nl/verslag")),
        "{text}"
    );

    // Nothing about the reader: the table has these columns and no more,
    // and no value in it names or numbers a subscriber.
    let db = pb.sqlite().await;
    let cols: Vec<String> = sqlx::query("SELECT name FROM pragma_table_info('issue_links')")
        .fetch_all(&db)
        .await
        .expect("columns")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(cols, ["issue_id", "link_index", "url", "clicks"]);
    let rows = sqlx::query("SELECT url FROM issue_links")
        .fetch_all(&db)
        .await
        .expect("rows");
    for r in &rows {
        let url: String = r.get(0);
        assert!(url.starts_with("https://kus.example.nl/"), "{url}");
        assert!(!url.contains("anouk"), "{url}");
    }
    let tables: Vec<String> =
        sqlx::query("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%click%'")
            .fetch_all(&db)
            .await
            .expect("tables")
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert!(tables.is_empty(), "no other click table: {tables:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_counting_off_links_are_left_as_written_and_nothing_is_counted() {
    let (_smtp, pb, news, _) = send_two("");
    let links = hrefs(&news.html());
    assert!(
        links.contains(&"https://kus.example.nl/verslag?jaar=2026&deel=1".to_string())
            && links.contains(&"https://kus.example.nl/agenda".to_string()),
        "{links:?}"
    );
    assert!(
        !links.iter().any(|h| h.contains("/l/")),
        "no counted links: {links:?}"
    );
    // A counted link from a mail sent while counting was on still leads on,
    // but is not counted now.
    let link = pb.agenda_mails().links.click("2026-12-nieuws", 1);
    let r = get(&link).await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "https://kus.example.nl/agenda");
    assert!(
        clicks(&pb).iter().all(|(_, _, n)| *n == 0),
        "{:?}",
        clicks(&pb)
    );
}
