//! The admin JSON API (`/api/v1`) against a real `postbode serve` on
//! SQLite: the bearer door on every endpoint, keyset paging through 10,000
//! subscribers, each filter, JSON errors for every kind of mistake, and the
//! subscriber changes. `operations.rs` covers issues, erasure and the lists;
//! `schema.rs` lets schemathesis hold the server to its own OpenAPI document.

#[path = "../common/mod.rs"]
mod common;

mod operations;
mod schema;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashSet;

use common::{Postbode, SmtpServer, TEST_ADMIN_TOKEN, member};

/// Every endpoint of the API, with a method and a concrete path.
pub const ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/api/v1/subscribers"),
    ("POST", "/api/v1/subscribers"),
    ("GET", "/api/v1/subscribers/1"),
    ("PATCH", "/api/v1/subscribers/1"),
    ("DELETE", "/api/v1/subscribers/1"),
    ("GET", "/api/v1/issues"),
    ("GET", "/api/v1/issues/2030-07-nieuws"),
    ("POST", "/api/v1/issues/2030-07-nieuws/pause"),
    ("POST", "/api/v1/issues/2030-07-nieuws/resume"),
    ("POST", "/api/v1/issues/2030-07-nieuws/cancel"),
    ("GET", "/api/v1/issues/2030-07-nieuws/deliveries"),
    ("GET", "/api/v1/suppressions"),
    ("POST", "/api/v1/suppressions/remove"),
    ("GET", "/api/v1/agenda"),
    ("GET", "/api/v1/stats"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/no-such-thing"),
];

/// A client of one installation's API.
pub struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    pub fn new(pb: &Postbode) -> Self {
        Self {
            base: pb.base_url(),
            client: reqwest::Client::new(),
        }
    }

    /// Sends with the admin token; `body` as JSON when given.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self
            .client
            .request(
                Method::from_bytes(method.as_bytes()).expect("method"),
                format!("{}{path}", self.base),
            )
            .bearer_auth(TEST_ADMIN_TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.expect("request");
        let status = r.status();
        let is_json = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let text = r.text().await.expect("body");
        assert!(is_json, "{method} {path}: not JSON ({status}): {text}");
        (status, serde_json::from_str(&text).expect("JSON"))
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call("GET", path, None).await
    }

    /// Sends `raw` as the body with `content_type`.
    pub async fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        raw: &str,
    ) -> (StatusCode, Value) {
        let r = self
            .client
            .request(
                Method::from_bytes(method.as_bytes()).expect("method"),
                format!("{}{path}", self.base),
            )
            .bearer_auth(TEST_ADMIN_TOKEN)
            .header("content-type", content_type)
            .body(raw.to_string())
            .send()
            .await
            .expect("request");
        let status = r.status();
        (status, r.json().await.expect("a JSON error"))
    }
}

/// Asserts the error shape and code of an answer.
pub fn assert_error(answer: &(StatusCode, Value), status: StatusCode, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        answer.1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_wants_the_admin_token() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    let client = reqwest::Client::new();
    for (method, path) in ENDPOINTS {
        for token in [None, Some("wrong"), Some(&TEST_ADMIN_TOKEN[1..])] {
            let mut req = client.request(
                Method::from_bytes(method.as_bytes()).expect("method"),
                format!("{}{path}", pb.base_url()),
            );
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            // A valid body must not get a request past the door either.
            let r = req
                .json(&json!({"email": "a@example.nl", "reason": "x"}))
                .send()
                .await
                .expect("request");
            assert_eq!(r.status(), 401, "{method} {path} with {token:?}");
            assert_eq!(
                r.headers()
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok()),
                Some("Bearer"),
                "{method} {path}"
            );
            assert_eq!(
                r.headers()
                    .get("cache-control")
                    .and_then(|v| v.to_str().ok()),
                Some("no-store")
            );
            let body: Value = r.json().await.expect("a JSON error");
            assert_eq!(body["error"]["code"], "unauthorized", "{method} {path}");
        }
    }
    // The metrics page has the same door.
    let r = client
        .get(format!("{}/metrics", pb.base_url()))
        .bearer_auth("wrong")
        .send()
        .await
        .expect("metrics");
    assert_eq!(r.status(), 401);
    pb.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_admin_token_the_api_does_not_exist() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace(
        &format!("admin_token = \"{TEST_ADMIN_TOKEN}\""),
        "admin_token = \"\"",
    );
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    pb.serve();
    let api = Api::new(&pb);
    for (method, path) in ENDPOINTS {
        let answer = api.call(method, path, Some(json!({}))).await;
        assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
    }
    let r = reqwest::get(format!("{}/metrics", pb.base_url()))
        .await
        .expect("metrics");
    assert_eq!(r.status(), 404);
    pb.stop();
}

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
async fn mistakes_are_answered_in_json() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    let api = Api::new(&pb);
    let bad_json = api
        .raw(
            "POST",
            "/api/v1/subscribers",
            "application/json",
            "{\"email\": ",
        )
        .await;
    assert_error(&bad_json, StatusCode::BAD_REQUEST, "invalid");
    let wrong_type = api
        .raw(
            "PATCH",
            "/api/v1/subscribers/1",
            "application/json",
            "{\"name\": 5}",
        )
        .await;
    assert_error(&wrong_type, StatusCode::BAD_REQUEST, "invalid");
    let not_json = api
        .raw("POST", "/api/v1/suppressions/remove", "text/plain", "hello")
        .await;
    assert_error(
        &not_json,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    assert_error(
        &api.get("/api/v1/subscribers/999").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.get("/api/v1/subscribers/abc").await,
        StatusCode::BAD_REQUEST,
        "invalid",
    );
    assert_error(
        &api.call(
            "PATCH",
            "/api/v1/subscribers/999",
            Some(json!({"name": "X"})),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.call("DELETE", "/api/v1/subscribers/999", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.get("/api/v1/issues/no-such-issue").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.get("/api/v1/issues/no-such-issue/deliveries").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.call("POST", "/api/v1/issues/no-such-issue/pause", None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.get("/api/v1/nothing/here").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.call("PUT", "/api/v1/subscribers", None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );
    // Last: the server closes the connection of a body it does not read.
    let too_big = Api::new(&pb)
        .raw(
            "POST",
            "/api/v1/subscribers",
            "application/json",
            &format!("{{\"email\":\"{}\"}}", "a".repeat(100_000)),
        )
        .await;
    assert_error(&too_big, StatusCode::PAYLOAD_TOO_LARGE, "too_large");
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
