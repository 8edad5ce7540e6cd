//! Subscribers through the API: keyset paging through 10,000, each filter
//! (on SQLite and PostgreSQL), and adding and changing by the rules of the
//! command line and the preference page.

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

use crate::common::{self, Postbode, SmtpServer, member};
use crate::{Api, assert_error};

#[tokio::test(flavor = "multi_thread")]
async fn paging_reaches_each_of_10000_subscribers_exactly_once() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(10_000);
    pb.serve();
    let api = Api::new(&pb);
    for limit in [1000, 333] {
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                None => format!("/api/v1/subscribers?limit={limit}"),
                Some(c) => format!("/api/v1/subscribers?limit={limit}&cursor={c}"),
            };
            let (status, page) = api.get(&path).await;
            assert_eq!(status, 200, "{page}");
            let items = page["items"].as_array().expect("items");
            assert!(items.len() <= limit);
            for s in items {
                let email = s["email"].as_str().expect("email").to_string();
                assert!(seen.insert(email.clone()), "{email} twice");
            }
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 10_000);
        assert_eq!(pages, 10_000_usize.div_ceil(limit), "limit {limit}");
        assert!((0..10_000).all(|i| seen.contains(&member(i))));
    }
    // The default page is 100 long.
    let (_, page) = api.get("/api/v1/subscribers").await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(100));
    assert_eq!(page["items"][0]["email"], member(0));
    assert_eq!(page["items"][0]["status"], "active");
    pb.stop();
}

/// The addresses of one list answer, in order.
async fn emails(api: &Api, query: &str) -> Vec<String> {
    let (status, page) = api.get(&format!("/api/v1/subscribers?{query}")).await;
    assert_eq!(status, 200, "{query}: {page}");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|s| s["email"].as_str().expect("email").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn each_filter_narrows_the_list() {
    filters(None).await;
}

/// The same SQL on PostgreSQL, where LIKE minds case and escapes differ.
#[tokio::test(flavor = "multi_thread")]
async fn each_filter_narrows_the_list_on_postgresql() {
    let Some(url) = common::postgres_database().await else {
        return;
    };
    filters(Some(&url)).await;
    common::postgres_drop(&url).await;
}

async fn filters(database: Option<&str>) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    if let Some(url) = database {
        pb.use_database(url);
    }
    pb.add(
        "anouk@example.nl",
        "Anouk de Vries",
        &["ontwikkeltafels"],
        &["welzijn"],
    );
    pb.add(
        "bram@example.nl",
        "Bram",
        &["ontwikkeltafels"],
        &["preventie"],
    );
    pb.add("chris_100%@example.nl", "Chris", &[], &["welzijn"]);
    pb.ok(&["subscribers", "add", "dirk@voorbeeld.nl", "--name", "Dirk"]);
    pb.ok(&["subscribers", "unsubscribe", "bram@example.nl"]);
    pb.serve();
    let api = Api::new(&pb);
    let all = [
        "anouk@example.nl",
        "bram@example.nl",
        "chris_100%@example.nl",
        "dirk@voorbeeld.nl",
    ];
    assert_eq!(emails(&api, "").await, all);
    assert_eq!(
        emails(&api, "status=active").await,
        ["anouk@example.nl", "chris_100%@example.nl"]
    );
    assert_eq!(emails(&api, "status=pending").await, ["dirk@voorbeeld.nl"]);
    assert_eq!(
        emails(&api, "status=unsubscribed").await,
        ["bram@example.nl"]
    );
    assert_eq!(
        emails(&api, "workshop=ontwikkeltafels").await,
        ["anouk@example.nl", "bram@example.nl"]
    );
    assert_eq!(
        emails(&api, "interest=welzijn").await,
        ["anouk@example.nl", "chris_100%@example.nl"]
    );
    assert_eq!(
        emails(&api, "workshop=ontwikkeltafels&interest=welzijn").await,
        ["anouk@example.nl"]
    );
    assert_eq!(
        emails(&api, "q=DE%20VRIES").await,
        ["anouk@example.nl"],
        "the name, in any case"
    );
    assert_eq!(
        emails(&api, "q=voorbeeld").await,
        ["dirk@voorbeeld.nl"],
        "the address"
    );
    assert_eq!(
        emails(&api, "q=_100%25").await,
        ["chris_100%@example.nl"],
        "% and _ literally"
    );
    assert!(emails(&api, "q=%25%25%25").await.is_empty());
    assert_eq!(
        emails(&api, "q=example&status=active&interest=welzijn&limit=1").await,
        ["anouk@example.nl"]
    );
    let (_, first) = api.get("/api/v1/subscribers?q=example&limit=1").await;
    let next = first["next_cursor"].as_str().expect("more follow");
    assert_eq!(
        emails(&api, &format!("q=example&limit=5&cursor={next}")).await,
        ["bram@example.nl", "chris_100%@example.nl"]
    );
    let one = &first["items"][0];
    assert_eq!(one["name"], "Anouk de Vries");
    assert_eq!(one["workshops"], json!(["ontwikkeltafels"]));
    assert_eq!(one["interests"], json!(["welzijn"]));
    assert!(
        chrono::DateTime::parse_from_rfc3339(one["created_at"].as_str().expect("time")).is_ok()
    );

    for bad in [
        "status=gone",
        "limit=0",
        "limit=1001",
        "limit=x",
        "cursor=42",
        "workshop=Not%20A%20Slug",
    ] {
        assert_error(
            &api.get(&format!("/api/v1/subscribers?{bad}")).await,
            StatusCode::BAD_REQUEST,
            "invalid",
        );
    }
    pb.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn subscribers_are_added_and_changed_by_the_rules_of_the_command_line() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    let api = Api::new(&pb);
    let (status, made) = api
        .call(
            "POST",
            "/api/v1/subscribers",
            Some(json!({
                "email": "Anouk@Example.nl", "name": "Anouk", "workshops": ["ontwikkeltafels"],
                "confirmed": true, "consent": "paper form, 3 March"
            })),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["subscriber"]["status"], "active");
    assert_eq!(made["confirmation_mail"], Value::Null);
    let id = made["subscriber"]["id"].as_i64().expect("id");
    let cli = pb.subscriber(made["subscriber"]["email"].as_str().expect("email"));
    assert_eq!(
        cli["status"], "active",
        "the command line sees the same subscriber"
    );

    // Without --confirmed: pending, and the confirmation mail goes out.
    let (status, pending) = api
        .call(
            "POST",
            "/api/v1/subscribers",
            Some(json!({"email": "bram@example.nl", "language": "en"})),
        )
        .await;
    assert_eq!(status, 201, "{pending}");
    assert_eq!(pending["subscriber"]["status"], "pending");
    assert_eq!(pending["confirmation_mail"], "sent");
    assert!(
        smtp.wait_for(1, 20)
            .iter()
            .any(|m| m.rcpt == "bram@example.nl")
    );

    let refused = api
        .call(
            "POST",
            "/api/v1/subscribers",
            Some(json!({"email": "c@example.nl", "confirmed": true})),
        )
        .await;
    assert_error(&refused, StatusCode::BAD_REQUEST, "invalid");
    let bad = api
        .call(
            "POST",
            "/api/v1/subscribers",
            Some(json!({"email": "nope", "workshops": ["zorg"], "language": "fr"})),
        )
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "invalid");
    assert_eq!(
        bad.1["error"]["details"]["fields"].as_array().map(Vec::len),
        Some(3),
        "{}",
        bad.1
    );
    let twice = api
        .call(
            "POST",
            "/api/v1/subscribers",
            Some(json!({"email": "anouk@example.nl"})),
        )
        .await;
    assert_error(&twice, StatusCode::CONFLICT, "conflict");
    assert_eq!(twice.1["error"]["details"]["id"], id);
    let unknown_field = api
        .call(
            "POST",
            "/api/v1/subscribers",
            Some(json!({"email": "d@example.nl", "status": "active"})),
        )
        .await;
    assert_error(&unknown_field, StatusCode::BAD_REQUEST, "invalid");

    let path = format!("/api/v1/subscribers/{id}");
    let (status, changed) = api
        .call(
            "PATCH",
            &path,
            Some(json!({"name": "Anouk de Vries", "interests": ["welzijn"], "language": "en"})),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["name"], "Anouk de Vries");
    assert_eq!(changed["language"], "en");
    assert_eq!(changed["interests"], json!(["welzijn"]));
    assert_eq!(
        changed["workshops"],
        json!(["ontwikkeltafels"]),
        "left out, kept"
    );
    let (_, shown) = api.get(&path).await;
    assert_eq!(shown, changed);
    let export: Value =
        serde_json::from_str(&pb.ok(&["subscribers", "export", "anouk@example.nl"]))
            .expect("export");
    let events: Vec<&str> = export["consents"]
        .as_array()
        .expect("consents")
        .iter()
        .filter_map(|c| c["event"].as_str())
        .collect();
    assert_eq!(
        events,
        ["imported", "changed"],
        "the change is in the consent history"
    );
    let bad = api
        .call("PATCH", &path, Some(json!({"workshops": ["zorg"]})))
        .await;
    assert_error(&bad, StatusCode::BAD_REQUEST, "invalid");
    assert_eq!(
        api.get(&path).await.1,
        changed,
        "a refused change changes nothing"
    );
    pb.stop();
}

/// What a script may send by mistake or on purpose: a name with a line
/// break or a direction override, a 5,000-letter name, control characters and a
/// long text in the search. Each is refused or answered, never a 500, and
/// nothing of it is stored.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_values_are_refused_or_answered_and_nothing_is_stored() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.import_members(2);
    pb.serve();
    let api = Api::new(&pb);
    for name in [
        "Anouk\r\nBcc: iedereen@example.nl".to_string(),
        "Anouk \u{202E}lnl.elpmaxe".to_string(),
        "A".repeat(5_000),
    ] {
        let made = api
            .call(
                "POST",
                "/api/v1/subscribers",
                Some(json!({"email": "x@example.nl", "name": name, "confirmed": true, "consent": "test"})),
            )
            .await;
        assert_error(&made, StatusCode::BAD_REQUEST, "invalid");
        let changed = api
            .call(
                "PATCH",
                "/api/v1/subscribers/1",
                Some(json!({"name": name})),
            )
            .await;
        assert_error(&changed, StatusCode::BAD_REQUEST, "invalid");
    }
    let (_, one) = api.get("/api/v1/subscribers/1").await;
    assert!(
        !one["name"].as_str().unwrap_or("").contains('\n'),
        "the name was not changed: {one}"
    );
    let (_, all) = api.get("/api/v1/subscribers").await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2), "{all}");
    for q in [
        "%0A%00%1B%5B2J",
        &"%25".repeat(2000),
        "%27%3B%20DROP%20TABLE%20subscribers%3B--",
    ] {
        let (status, found) = api.get(&format!("/api/v1/subscribers?q={q}")).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(found["items"].as_array().map(Vec::len), Some(0), "{found}");
    }
    let (_, all) = api.get("/api/v1/subscribers").await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2), "{all}");
    pb.stop();
}
