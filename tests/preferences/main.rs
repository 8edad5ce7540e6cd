//! The preference centre, the reason after unsubscribing and the rights to a copy
//! and to erasure, over HTTP against a running daemon and on the command line.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, Received, SmtpServer, soon};

fn issue(subject: &str, send_at: &str) -> String {
    format!(
        "---\nsubject: {subject}\nsend_at: {send_at}\n---\nHallo.\n\n\
## Kick-off werkplaats Arbeid en Inclusie {{workshops=arbeid-en-inclusie}}\nAlleen voor de werkplaats.\n\n\
## Welzijn op recept {{interests=welzijn}}\nAlleen voor welzijn.\n\n\
## Samen Wijzer Servicepunt\nVoor iedereen.\n"
    )
}

async fn get(url: &str) -> reqwest::Response {
    client().get(url).send().await.expect("GET")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// POSTs a urlencoded form.
async fn post(url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().copied())
        .finish();
    client()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("POST")
}

/// The preference-centre link of a received issue (text part: "Voorkeuren aanpassen: URL").
fn preferences_url(pb: &Postbode, m: &Received) -> String {
    let prefix = format!("{}/preferences/", pb.base_url());
    m.text()
        .split_whitespace()
        .find(|w| w.starts_with(&prefix))
        .expect("preferences link in the text part")
        .to_string()
}

/// Asks for the data link on the preference page and returns it as mailed
/// to `who` (without `/data` or `/erase`).
async fn data_link(smtp: &SmtpServer, pb: &Postbode, url: &str, who: &str) -> String {
    let before = smtp.messages().len();
    let r = post(&format!("{url}/data-link"), &[]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("Kijk in je mailbox") || page.contains("Check your mailbox"),
        "{page}"
    );
    let got = smtp.wait_for(before + 1, 20);
    let prefix = format!("{}/preferences/", pb.base_url());
    got.iter()
        .rev()
        .filter(|m| m.rcpt == who)
        .find_map(|m| {
            m.text()
                .split_whitespace()
                .find(|w| w.starts_with(&prefix) && w.ends_with("/data"))
                .map(|w| w.trim_end_matches("/data").to_string())
        })
        .expect("a data link in the mail")
}

fn for_whom<'a>(got: &'a [Received], who: &str, subject: &str) -> &'a Received {
    got.iter()
        .find(|m| m.rcpt == who && m.subject() == subject)
        .unwrap_or_else(|| panic!("no {subject:?} for {who}"))
}

/// The `<input …>` tag with `id`.
fn input(page: &str, id: &str) -> String {
    let at = page
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no control {id}: {page}"));
    let start = page[..at].rfind('<').expect("tag start");
    let end = at + page[at..].find('>').expect("tag end");
    page[start..=end].to_string()
}

fn is_checked(page: &str, id: &str) -> bool {
    input(page, id).contains(" checked")
}

/// Every form control has a label pointing at it.
fn assert_labelled(page: &str) {
    let mut rest = page;
    let mut n = 0;
    while let Some(at) = rest.find("<input") {
        let tag_end = rest[at..].find('>').expect("tag end") + at;
        let tag = &rest[at..tag_end];
        if !tag.contains("type=\"hidden\"") {
            let id = tag
                .split("id=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("control without id: {tag}"));
            assert!(
                page.contains(&format!("<label for=\"{id}\"")),
                "no label for {id}"
            );
            n += 1;
        }
        rest = &rest[tag_end..];
    }
    assert!(n > 0, "no controls found");
}

/// The `action` of the form whose action ends with `suffix`.
fn form_action(page: &str, suffix: &str) -> String {
    page.split("action=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .find(|a| a.ends_with(suffix))
        .unwrap_or_else(|| panic!("no form posting to …{suffix}: {page}"))
        .to_string()
}

/// Serves with the given subscribers and sends one issue; returns its messages.
fn serve_and_send(
    smtp: &SmtpServer,
    pb: &mut Postbode,
    subject: &str,
    expect: usize,
) -> Vec<Received> {
    pb.serve();
    pb.drop_issue("2026-12-platformnieuws.md", &issue(subject, &soon(2)));
    smtp.wait_for(expect, 30)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_form_shows_current_choices_and_saving_changes_them_for_the_next_issue() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    let got = serve_and_send(&smtp, &mut pb, "December", 1);
    let first = for_whom(&got, "anouk@example.nl", "December");
    assert!(first.html().contains("Alleen voor de werkplaats."));
    assert!(!first.html().contains("Alleen voor welzijn."));
    let url = preferences_url(&pb, first);
    let before = pb.subscriber("anouk@example.nl");

    for _ in 0..3 {
        let r = get(&url).await;
        assert_eq!(r.status(), 200);
        let page = r.text().await.expect("page");
        assert!(page.contains("<html lang=\"nl\""), "{page}");
        assert!(page.contains("name=\"viewport\""));
        assert!(!page.contains("<script"), "no JavaScript");
        assert!(is_checked(&page, "workshop-arbeid-en-inclusie"));
        assert!(!is_checked(&page, "workshop-ontwikkeltafels"));
        assert!(!is_checked(&page, "interest-welzijn"));
        assert!(!is_checked(&page, "reminders"));
        assert!(!is_checked(&page, "digest"));
        assert!(
            page.contains("Stuur me elke maandag een overzicht van de bijeenkomsten"),
            "{page}"
        );
        assert!(is_checked(&page, "language-nl"));
        assert!(!is_checked(&page, "language-en"));
        assert!(input(&page, "name").contains("value=\"Anouk\""));
        assert_labelled(&page);
        assert!(page.contains("Afmelden"));
        assert!(page.contains("Mail me een link naar mijn gegevens"));
        assert!(page.contains("Trek al mijn links in"));
    }
    assert_eq!(
        pb.subscriber("anouk@example.nl"),
        before,
        "a GET changes nothing"
    );

    // An unknown slug: 400 naming it, nothing saved.
    let r = post(
        &url,
        &[
            ("name", "Iemand anders"),
            ("workshops", "ontwikkeltafels"),
            ("interests", "bestaat-niet"),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(page.contains("bestaat-niet"), "{page}");
    assert!(page.contains("niets gewijzigd"), "{page}");
    assert_eq!(pb.subscriber("anouk@example.nl"), before);

    // A name with markup is stored as typed and shown escaped.
    let evil = "Anouk <script>alert(1)</script> & \"co\"";
    let r = post(
        &url,
        &[
            ("name", evil),
            ("workshops", "ontwikkeltafels"),
            ("interests", "welzijn"),
            ("interests", "preventie"),
            ("reminders", "on"),
            ("digest", "on"),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("<html lang=\"en\""),
        "the page follows the new language"
    );
    assert!(page.contains("Your preferences have been saved."), "{page}");
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(is_checked(&page, "workshop-ontwikkeltafels"));
    assert!(!is_checked(&page, "workshop-arbeid-en-inclusie"));
    assert!(is_checked(&page, "interest-welzijn"));
    assert!(is_checked(&page, "interest-preventie"));
    assert!(is_checked(&page, "reminders"));
    assert!(is_checked(&page, "digest"));
    assert!(
        page.contains("Send me a weekly overview of upcoming meetings in my workshops and themes"),
        "{page}"
    );
    assert!(is_checked(&page, "language-en"));

    let s = pb.subscriber("anouk@example.nl");
    assert_eq!(s["name"], evil);
    assert_eq!(s["workshops"], serde_json::json!(["ontwikkeltafels"]));
    assert_eq!(s["interests"], serde_json::json!(["preventie", "welzijn"]));
    assert_eq!(s["reminders"], true);
    assert_eq!(s["digest"], true);
    assert_eq!(s["language"], "en");
    assert_eq!(s["status"], "active");

    // A GET afterwards shows the saved choices, still escaped.
    let page = get(&url).await.text().await.expect("page");
    assert!(is_checked(&page, "interest-welzijn"));
    assert!(is_checked(&page, "digest"));
    assert!(!page.contains("<script>alert"));

    // The next issue's sections follow the new choices.
    pb.drop_issue("2027-01-platformnieuws.md", &issue("Januari", &soon(2)));
    let got = smtp.wait_for(2, 30);
    let next = for_whom(&got, "anouk@example.nl", "Januari");
    assert!(next.html().contains("Alleen voor welzijn."));
    assert!(!next.html().contains("Alleen voor de werkplaats."));

    // Unticking the digest turns it off and leaves the other choices alone.
    let r = post(
        &url,
        &[
            ("name", evil),
            ("workshops", "ontwikkeltafels"),
            ("interests", "welzijn"),
            ("interests", "preventie"),
            ("reminders", "on"),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(!is_checked(&page, "digest"));
    assert!(is_checked(&page, "reminders"));
    let page = get(&url).await.text().await.expect("page");
    assert!(!is_checked(&page, "digest"));
    let s = pb.subscriber("anouk@example.nl");
    assert_eq!(s["digest"], false);
    assert_eq!(s["reminders"], true);

    // The choice and both changes are in the person's data.
    let data_url = data_link(&smtp, &pb, &url, "anouk@example.nl").await;
    let data: serde_json::Value = get(&format!("{data_url}/data"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(data["subscriber"]["digest"], false);
    let changes: Vec<&str> = data["consents"]
        .as_array()
        .expect("consents")
        .iter()
        .filter(|c| c["event"] == "changed")
        .filter_map(|c| c["text"].as_str())
        .collect();
    assert_eq!(changes.len(), 2, "{data}");
    assert!(changes[0].contains("digest: yes"), "{changes:?}");
    assert!(changes[1].contains("digest: no"), "{changes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn data_download_then_erasure_leaves_only_the_suppression() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    pb.add("jeroen@example.nl", "Jeroen", &[], &[]);
    let got = serve_and_send(&smtp, &mut pb, "December", 2);
    let url = preferences_url(&pb, for_whom(&got, "anouk@example.nl", "December"));
    // The preferences link, in every mail, does not open the data itself.
    assert_eq!(get(&format!("{url}/data")).await.status(), 404);
    assert_eq!(post(&format!("{url}/erase"), &[]).await.status(), 404);
    let before = pb.subscriber("anouk@example.nl");
    let data_url = data_link(&smtp, &pb, &url, "anouk@example.nl").await;

    let r = get(&format!("{data_url}/data")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok()),
        Some("attachment; filename=\"mijn-gegevens.json\"")
    );
    assert!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    );
    let data: serde_json::Value = r.json().await.expect("json");
    assert_eq!(data["subscriber"]["email"], "anouk@example.nl");
    assert_eq!(
        data["subscriber"]["workshops"],
        serde_json::json!(["arbeid-en-inclusie"])
    );
    assert_eq!(data["subscriber"]["digest"], false, "not chosen by default");
    assert_eq!(data["consents"][0]["event"], "imported");
    assert_eq!(data["consents"][0]["text"], "test");
    let deliveries = data["deliveries"].as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 1, "{data}");
    assert_eq!(deliveries[0]["issue"], "2026-12-platformnieuws");
    assert_eq!(deliveries[0]["subject"], "December");
    assert_eq!(deliveries[0]["state"], "sent");
    assert!(
        !data.to_string().contains("jeroen"),
        "only this person's data"
    );

    // The confirmation page asks first and changes nothing.
    let r = get(&format!("{data_url}/erase")).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("Ja, wis mijn gegevens"), "{page}");
    assert_eq!(pb.subscriber("anouk@example.nl"), before);

    let r = post(&format!("{data_url}/erase"), &[]).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("Je gegevens zijn gewist")
    );
    let list = pb.ok(&["subscribers", "list", "--json"]);
    assert!(!list.contains("anouk@example.nl"), "{list}");
    assert!(list.contains("jeroen@example.nl"));
    // The links lead nowhere now; the erasure link works once.
    assert_eq!(get(&url).await.status(), 404);
    assert_eq!(get(&format!("{data_url}/data")).await.status(), 404);
    assert_eq!(post(&format!("{data_url}/erase"), &[]).await.status(), 404);

    // A later issue reaches only Jeroen.
    pb.drop_issue("2027-01-platformnieuws.md", &issue("Januari", &soon(2)));
    pb.wait_issue("2027-01-platformnieuws", "sent", 30);
    assert_eq!(
        smtp.recipients_of("Januari"),
        vec!["jeroen@example.nl".to_string()]
    );

    // The address cannot come back by accident, in any casing.
    let out = pb.cli(&[
        "subscribers",
        "add",
        "Anouk@Example.NL",
        "--confirmed",
        "--consent",
        "again",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("suppression list"), "{err}");
    let list = pb.ok(&["subscribers", "list", "--json"]);
    assert!(!list.to_lowercase().contains("anouk@example.nl"));
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_altered_and_wrong_purpose_tokens_get_404_and_change_nothing() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    let got = serve_and_send(&smtp, &mut pb, "December", 1);
    let m = for_whom(&got, "anouk@example.nl", "December");
    let url = preferences_url(&pb, m);
    let token = url.rsplit('/').next().expect("token").to_string();
    let unsub_token = m
        .unsubscribe_url()
        .rsplit('/')
        .next()
        .expect("token")
        .to_string();
    let before = pb.subscriber("anouk@example.nl");
    let mut flipped: Vec<char> = token.chars().collect();
    flipped[5] = if flipped[5] == 'A' { 'B' } else { 'A' };
    let flipped: String = flipped.into_iter().collect();
    let base = format!("{}/preferences/", pb.base_url());
    for bad in [
        unsub_token.clone(),
        flipped,
        token[..token.len() - 3].to_string(),
        "not-a-token".to_string(),
    ] {
        for rest in ["", "/data", "/erase"] {
            let r = get(&format!("{base}{bad}{rest}")).await;
            assert_eq!(r.status(), 404, "GET {rest}");
            assert!(
                r.text()
                    .await
                    .expect("page")
                    .contains("Deze link werkt niet")
            );
        }
        for rest in ["", "/unsubscribe", "/erase"] {
            let r = post(
                &format!("{base}{bad}{rest}"),
                &[("name", "Gekaapt"), ("workshops", "ontwikkeltafels")],
            )
            .await;
            assert_eq!(r.status(), 404, "POST {rest}");
            let page = r.text().await.expect("page");
            assert!(page.contains("Deze link werkt niet"));
            assert!(!page.contains("@example.nl"));
        }
    }
    // A preferences token cannot unsubscribe or give a reason.
    let r = post(&format!("{}/unsubscribe/{token}", pb.base_url()), &[]).await;
    assert_eq!(r.status(), 404);
    let r = post(
        &format!("{}/unsubscribe/{token}/reason", pb.base_url()),
        &[("reason", "too-much")],
    )
    .await;
    assert_eq!(r.status(), 404);
    assert_eq!(pb.subscriber("anouk@example.nl"), before);
    assert!(
        pb.status_json()["unsubscribes"]
            .as_array()
            .is_some_and(|a| a.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unsubscribes_record_source_issue_and_a_reason_asked_afterwards() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &[], &[]);
    pb.add("jeroen@example.nl", "Jeroen", &[], &[]);
    pb.add("marieke@example.nl", "Marieke", &[], &[]);
    let got = serve_and_send(&smtp, &mut pb, "December", 3);

    // From the preference centre: source "preferences", no issue.
    let url = preferences_url(&pb, for_whom(&got, "anouk@example.nl", "December"));
    let r = post(&format!("{url}/unsubscribe"), &[]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("Je bent afgemeld"));
    assert!(page.contains("Wil je ons vertellen waarom?"), "{page}");
    assert_labelled(&page);
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "unsubscribed");
    let action = form_action(&page, "/reason");
    let r = post(&action, &[("reason", "too-much"), ("other_text", "")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("page").contains("Dank je wel"));

    // From the unsubscribe page: source "page", the issue whose link was used.
    let jeroen = for_whom(&got, "jeroen@example.nl", "December");
    let r = post(&jeroen.unsubscribe_url(), &[]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.expect("page");
    assert!(page.contains("Wil je ons vertellen waarom?"), "{page}");
    let action = form_action(&page, "/reason");
    let long = format!("<b>te vaak</b> {}", "x".repeat(600));
    let r = post(&action, &[("reason", "other"), ("other_text", &long)]).await;
    assert_eq!(r.status(), 200);

    // RFC 8058 one-click: a plain 200 without the question.
    let marieke = for_whom(&got, "marieke@example.nl", "December");
    let r = post(
        &marieke.unsubscribe_url(),
        &[("List-Unsubscribe", "One-Click")],
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(!r.text().await.expect("page").contains("waarom"));

    let status = pb.status_json();
    let rows = status["unsubscribes"].as_array().expect("rows");
    let find = |source: &str| {
        rows.iter()
            .find(|r| r["source"] == source)
            .unwrap_or_else(|| panic!("no {source} row in {status}"))
    };
    assert_eq!(find("preferences")["reason"], "too-much");
    assert_eq!(find("preferences")["issue"], serde_json::Value::Null);
    assert_eq!(find("page")["reason"], "other");
    assert_eq!(find("page")["issue"], "2026-12-platformnieuws");
    assert_eq!(find("one-click")["reason"], "");
    assert_eq!(find("one-click")["issue"], "2026-12-platformnieuws");
    let totals = &status["unsubscribe_totals"];
    assert_eq!(totals["per_source"]["preferences"], 1);
    assert_eq!(totals["per_source"]["page"], 1);
    assert_eq!(totals["per_source"]["one-click"], 1);
    assert_eq!(totals["per_issue"]["2026-12-platformnieuws"], 2);
    assert_eq!(totals["per_issue"]["-"], 1);
    assert_eq!(totals["per_reason"]["too-much"], 1);
    assert_eq!(totals["per_reason"]["other"], 1);
    assert_eq!(totals["per_reason"]["-"], 1);
    let text = pb.ok(&["status"]);
    assert!(text.contains("per reden: "), "{text}");

    // The free text is kept as typed, at most 500 characters, in the person's data.
    let data: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "export", "jeroen@example.nl"]))
            .expect("json");
    let reason = data["unsubscribes"][0]["reason"].as_str().expect("reason");
    assert!(reason.starts_with("other: <b>te vaak</b> x"), "{reason}");
    assert_eq!(reason.chars().count(), "other: ".len() + 500);
    assert_eq!(data["unsubscribes"][0]["source"], "page");
    assert_eq!(data["consents"][1]["event"], "withdrawn");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_exports_and_erases() {
    let smtp = SmtpServer::start(&[]);
    let pb = Postbode::new(&smtp.url(), "");
    pb.add(
        "anouk@example.nl",
        "Anouk",
        &["ontwikkeltafels"],
        &["welzijn"],
    );
    pb.add("jeroen@example.nl", "Jeroen", &[], &[]);

    let data: serde_json::Value =
        serde_json::from_str(&pb.ok(&["subscribers", "export", "Anouk@example.nl"]))
            .expect("export prints JSON");
    assert_eq!(data["subscriber"]["email"], "anouk@example.nl");
    assert_eq!(data["subscriber"]["name"], "Anouk");
    assert_eq!(
        data["subscriber"]["interests"],
        serde_json::json!(["welzijn"])
    );
    assert_eq!(data["consents"][0]["event"], "imported");
    assert_eq!(data["deliveries"], serde_json::json!([]));

    let out = pb.ok(&["subscribers", "erase", "anouk@example.nl"]);
    assert!(out.contains("1 consent record"), "{out}");
    assert!(out.contains("suppression list"), "{out}");
    let list = pb.ok(&["subscribers", "list", "--json"]);
    assert!(!list.contains("anouk@example.nl"));
    assert!(list.contains("jeroen@example.nl"));

    let out = pb.cli(&["subscribers", "export", "anouk@example.nl"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("suppression list"));
    let out = pb.cli(&["subscribers", "erase", "nobody@example.nl"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a subscriber"));

    let out = pb.cli(&["subscribers", "add", "anouk@example.nl"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("suppression list"));

    // An import skips the suppressed address and adds the rest.
    std::fs::write(
        pb.path("list.csv"),
        "email,name,workshops,interests,language,reminders\nANOUK@example.nl,Anouk,,,nl,no\nnieuw@example.nl,Nieuw,,,nl,no\n",
    )
    .expect("csv");
    let out = pb.cli(&[
        "subscribers",
        "import",
        "list.csv",
        "--confirmed",
        "--consent",
        "beurs",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("suppression list"));
    let list = pb.ok(&["subscribers", "list", "--json"]);
    assert!(!list.to_lowercase().contains("anouk@example.nl"));
    assert!(list.contains("nieuw@example.nl"));
}

/// The same storage on PostgreSQL: preferences, reason, statistics, copy and erasure.
#[tokio::test(flavor = "multi_thread")]
async fn the_same_rights_work_on_postgresql() {
    let Some(db) = common::postgres_database().await else {
        return;
    };
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.use_database(&db);
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    pb.add("jeroen@example.nl", "Jeroen", &[], &[]);
    let got = serve_and_send(&smtp, &mut pb, "December", 2);
    let url = preferences_url(&pb, for_whom(&got, "anouk@example.nl", "December"));

    let r = post(
        &url,
        &[
            ("name", "Anouk B"),
            ("interests", "welzijn"),
            ("reminders", "on"),
            ("digest", "on"),
            ("language", "nl"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let s = pb.subscriber("anouk@example.nl");
    assert_eq!(s["name"], "Anouk B");
    assert_eq!(s["workshops"], serde_json::json!([]));
    assert_eq!(s["interests"], serde_json::json!(["welzijn"]));
    assert_eq!(s["reminders"], true);
    assert_eq!(s["digest"], true);

    let page = post(
        &for_whom(&got, "jeroen@example.nl", "December").unsubscribe_url(),
        &[],
    )
    .await
    .text()
    .await
    .expect("page");
    let r = post(
        &form_action(&page, "/reason"),
        &[("reason", "not-relevant")],
    )
    .await;
    assert_eq!(r.status(), 200);
    let status = pb.status_json();
    assert_eq!(status["unsubscribes"][0]["reason"], "not-relevant");
    assert_eq!(
        status["unsubscribe_totals"]["per_reason"]["not-relevant"],
        1
    );

    let data_url = data_link(&smtp, &pb, &url, "anouk@example.nl").await;
    let data: serde_json::Value = get(&format!("{data_url}/data"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(data["deliveries"][0]["state"], "sent");
    assert_eq!(data["consents"][1]["event"], "changed");

    assert_eq!(post(&format!("{data_url}/erase"), &[]).await.status(), 200);
    assert!(!pb.ok(&["subscribers", "list"]).contains("anouk@example.nl"));
    let out = pb.cli(&["subscribers", "add", "anouk@example.nl"]);
    assert!(!out.status.success());
    pb.stop();
    common::postgres_drop(&db).await;
}
