//! The admin JSON API (`/api/v1`) against a real `postbode serve` on
//! SQLite: here the bearer door on every endpoint and JSON errors for every
//! kind of mistake; `subscribers.rs` pages, filters, adds and changes;
//! `operations.rs` covers issues, erasure and the other lists; `schema.rs`
//! lets schemathesis hold the server to its own OpenAPI document.

#[path = "../common/mod.rs"]
mod common;

mod operations;
mod schema;
mod subscribers;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use common::{Postbode, SmtpServer, TEST_ADMIN_TOKEN};

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
