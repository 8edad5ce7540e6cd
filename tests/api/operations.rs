//! Issues (state, audience, ledger, the emergency stop), erasure compared
//! with the erase page, the suppression list, the agenda and the statistics.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;

use crate::common::{Postbode, SmtpServer, soon};
use crate::{Api, assert_error};

fn issue(subject: &str, send_at: &str) -> String {
    format!(
        "---\nsubject: {subject}\nsend_at: {send_at}\n---\nHallo.\n\n\
## Welzijn op recept {{interests=welzijn}}\nAlleen voor welzijn.\n\n\
## Samen Wijzer Servicepunt\nVoor iedereen.\n"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn issues_show_their_state_and_stop_and_go_on_command() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(3);
    pb.serve();
    let api = Api::new(&pb);
    let later = "2030-07-nieuws";
    pb.drop_issue(
        &format!("{later}.md"),
        &issue("Juli", "2030-07-01T09:00:00+02:00"),
    );
    pb.wait_issue(later, "scheduled", 30);

    let (status, list) = api.get("/api/v1/issues").await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["slug"], later);
    assert_eq!(list[0]["state"], "scheduled");
    assert_eq!(list[0]["send_at"], "2030-07-01T07:00:00Z");
    let path = format!("/api/v1/issues/{later}");
    let (_, detail) = api.get(&path).await;
    assert_eq!(detail["audience"], 3, "{detail}");
    assert_eq!(detail["deliveries"], json!({}));
    assert_eq!(detail["subject"], "Juli");

    let (status, paused) = api.call("POST", &format!("{path}/pause"), None).await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(
        (paused["state"].clone(), paused["changed"].clone()),
        (json!("paused"), json!(true))
    );
    assert_eq!(api.get(&path).await.1["state"], "paused");
    let (_, again) = api.call("POST", &format!("{path}/pause"), None).await;
    assert_eq!(again["changed"], false);
    let (_, resumed) = api.call("POST", &format!("{path}/resume"), None).await;
    assert_eq!(
        (resumed["state"].clone(), resumed["changed"].clone()),
        (json!("scheduled"), json!(true))
    );
    let (_, cancelled) = api.call("POST", &format!("{path}/cancel"), None).await;
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(
        pb.issue_status(later).expect("issue")["status"],
        "cancelled",
        "the command line agrees"
    );
    let refused = api.call("POST", &format!("{path}/resume"), None).await;
    assert_error(&refused, StatusCode::CONFLICT, "conflict");
    assert_eq!(refused.1["error"]["details"]["state"], "cancelled");

    // An issue that went out: its ledger, a page at a time.
    let now = "2026-12-nieuws";
    let with_agenda = format!(
        "---\nsubject: December\nsend_at: {}\nagenda:\n  - id: platformdag\n    title: Platformdag\n    start: 2030-01-10 10:00\n    reminders: [1d]\n---\nHallo.\n",
        soon(2)
    );
    pb.drop_issue(&format!("{now}.md"), &with_agenda);
    pb.wait_issue(now, "sent", 30);
    let (_, detail) = api.get(&format!("/api/v1/issues/{now}")).await;
    assert_eq!(detail["state"], "sent");
    assert_eq!(detail["audience"], 3);
    assert_eq!(detail["deliveries"], json!({"sent": 3}));
    assert!(
        chrono::DateTime::parse_from_rfc3339(detail["sent_at"].as_str().expect("sent_at")).is_ok()
    );
    let (_, first) = api
        .get(&format!("/api/v1/issues/{now}/deliveries?limit=2"))
        .await;
    let items = first["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["state"], "sent");
    assert!(
        items[0]["last_reply"]
            .as_str()
            .is_some_and(|r| r.contains("accepted")),
        "{first}"
    );
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let (_, rest) = api
        .get(&format!(
            "/api/v1/issues/{now}/deliveries?limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(rest["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(rest["next_cursor"], Value::Null);
    let mut got: Vec<String> = items
        .iter()
        .chain(rest["items"].as_array().expect("items"))
        .map(|d| d["email"].as_str().expect("email").to_string())
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "lid0000@example.nl",
            "lid0001@example.nl",
            "lid0002@example.nl"
        ]
    );
    assert_error(
        &api.call("POST", &format!("/api/v1/issues/{now}/cancel"), None)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    );

    // The statistics and the agenda.
    pb.ok(&["subscribers", "unsubscribe", "lid0001@example.nl"]);
    let (status, stats) = api.get("/api/v1/stats").await;
    assert_eq!(status, 200);
    let unsubscribes = stats["unsubscribes"].as_array().expect("unsubscribes");
    assert!(
        unsubscribes
            .iter()
            .any(|u| u["source"] == "operator" && u["count"] == 1),
        "{stats}"
    );
    assert!(stats["clicks"].is_array());
    let (status, agenda) = api.get("/api/v1/agenda").await;
    assert_eq!(status, 200);
    assert_eq!(
        agenda[0]["uid"].as_str().map(|u| u.contains("platformdag")),
        Some(true),
        "{agenda}"
    );
    assert_eq!(agenda[0]["title"], "Platformdag");
    assert_eq!(agenda[0]["starts_at"], "2030-01-10T09:00:00Z");
    assert_eq!(
        agenda[0]["published"], true,
        "announced by the issue that went out"
    );
    assert!(agenda[0]["mails"].is_object());
    pb.stop();
}

/// Erases `who` the way a reader does: preference page, data link by mail, erase.
async fn erase_on_the_page(smtp: &SmtpServer, pb: &Postbode, who: &str) {
    let got = smtp.messages();
    let mail = got.iter().find(|m| m.rcpt == who).expect("the issue");
    let url = mail.link(&format!("{}/preferences/", pb.base_url()));
    let client = reqwest::Client::new();
    let before = smtp.messages().len();
    let r = client
        .post(format!("{url}/data-link"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("data link");
    assert_eq!(r.status(), 200);
    let got = smtp.wait_for(before + 1, 20);
    let data = got
        .iter()
        .rev()
        .filter(|m| m.rcpt == who)
        .find_map(|m| {
            m.text()
                .split_whitespace()
                .find(|w| w.ends_with("/data"))
                .map(|w| w.trim_end_matches("/data").to_string())
        })
        .expect("a data link");
    let r = client
        .post(format!("{data}/erase"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await
        .expect("erase");
    assert_eq!(r.status(), 200);
}

/// What is left of subscriber `id` in each table that names subscribers.
async fn traces(pb: &Postbode, id: i64) -> Vec<(String, i64)> {
    let db = pb.sqlite().await;
    let mut out = Vec::new();
    for (table, column) in [
        ("subscribers", "id"),
        ("consents", "subscriber_id"),
        ("deliveries", "subscriber_id"),
        ("agenda_deliveries", "subscriber_id"),
        ("bounces", "subscriber_id"),
        ("subscriber_segments", "subscriber_id"),
        ("signup_requests", "subscriber_id"),
        ("unsubscribes", "subscriber_id"),
    ] {
        let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM {table} WHERE {column} = $1"
        )))
        .bind(id)
        .fetch_one(&db)
        .await
        .expect(table)
        .get(0);
        out.push((table.to_string(), n));
    }
    db.close().await;
    out
}

async fn id_of(api: &Api, q: &str) -> i64 {
    let (_, page) = api.get(&format!("/api/v1/subscribers?q={q}")).await;
    page["items"][0]["id"].as_i64().expect("an id")
}

#[tokio::test(flavor = "multi_thread")]
async fn erasing_through_the_api_leaves_what_the_erase_page_leaves() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add(
        "anouk@example.nl",
        "Anouk",
        &["ontwikkeltafels"],
        &["welzijn"],
    );
    pb.add(
        "bram@example.nl",
        "Bram",
        &["ontwikkeltafels"],
        &["welzijn"],
    );
    pb.add("chris@example.nl", "Chris", &[], &[]);
    pb.serve();
    let api = Api::new(&pb);
    pb.drop_issue("2026-12-nieuws.md", &issue("December", &soon(2)));
    pb.wait_issue("2026-12-nieuws", "sent", 30);
    smtp.wait_for(3, 20);
    let (anouk, bram) = (id_of(&api, "anouk").await, id_of(&api, "bram").await);
    let before = traces(&pb, bram).await;
    assert_eq!(before[2], ("deliveries".to_string(), 1), "history to erase");

    erase_on_the_page(&smtp, &pb, "anouk@example.nl").await;
    let path = format!("/api/v1/subscribers/{bram}");
    let (status, erased) = api.call("DELETE", &path, None).await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(
        erased,
        json!({"consents": 1, "deliveries": 1, "segments": 2, "unsubscribes_unlinked": 0})
    );

    let (page, through_api) = (traces(&pb, anouk).await, traces(&pb, bram).await);
    assert_eq!(page, through_api);
    assert!(page.iter().all(|(_, n)| *n == 0), "{page:?}");
    let (_, suppressed) = api.get("/api/v1/suppressions").await;
    let reasons: Vec<&str> = suppressed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["reason"].as_str())
        .collect();
    assert_eq!(reasons, ["erased", "erased"]);
    for who in ["anouk@example.nl", "bram@example.nl"] {
        let out = pb.cli(&["subscribers", "export", who]);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("suppression list"),
            "{who}"
        );
    }
    assert!(id_of(&api, "chris").await > 0, "the others stay");
    assert_error(
        &api.call("DELETE", &path, None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(&api.get(&path).await, StatusCode::NOT_FOUND, "not_found");

    // Adding an erased address is refused until the suppression is lifted.
    let add = json!({"email": "bram@example.nl", "confirmed": true, "consent": "asked by phone"});
    let refused = api
        .call("POST", "/api/v1/subscribers", Some(add.clone()))
        .await;
    assert_error(&refused, StatusCode::CONFLICT, "conflict");
    assert_eq!(refused.1["error"]["details"]["reason"], "suppressed");
    let remove = |reason: &str| json!({"email": "bram@example.nl", "reason": reason});
    assert_error(
        &api.call("POST", "/api/v1/suppressions/remove", Some(remove("  ")))
            .await,
        StatusCode::BAD_REQUEST,
        "invalid",
    );
    assert_error(
        &api.call(
            "POST",
            "/api/v1/suppressions/remove",
            Some(json!({"email": "no", "reason": "x"})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid",
    );
    let (status, lifted) = api
        .call(
            "POST",
            "/api/v1/suppressions/remove",
            Some(remove("came back, asked by phone")),
        )
        .await;
    assert_eq!(status, 200, "{lifted}");
    assert_eq!(lifted["was"], "erased");
    assert_error(
        &api.call("POST", "/api/v1/suppressions/remove", Some(remove("again")))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_eq!(
        api.get("/api/v1/suppressions")
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let (status, back) = api.call("POST", "/api/v1/subscribers", Some(add)).await;
    assert_eq!(status, 201, "{back}");
    pb.stop();
}
