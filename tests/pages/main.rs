//! The pages' defences, against a running `postbode serve` on 127.0.0.1:
//! security headers on every answer, an archive that runs nothing from an
//! issue's raw HTML, and a server that slow or idle clients cannot hold.

#[path = "../common/mod.rs"]
mod common;

mod archive;
mod connections;
mod feed;
mod headers;

use common::{Postbode, Received, SmtpServer, soon};

pub const SLUG: &str = "2026-12-platformnieuws";

/// An issue whose text holds raw HTML that must not run on the web: a
/// script, a `javascript:` link and an image with an event handler, between
/// ordinary text and an ordinary link. (MJML wants attribute values quoted:
/// `<img src=x …>` makes the issue invalid before it could be sent.)
pub fn hostile_issue() -> String {
    format!(
        "---\nsubject: Platformnieuws december\nsend_at: {}\n---\n\
         Het rapport over de wijkteams is verschenen.\n\n\
         <script>alert(1)</script>\n\n\
         Lees [het rapport](https://example.nl/rapport) of <a href=\"javascript:alert(1)\">x</a> \
         en <img src=\"x\" onerror=\"alert(1)\">.\n",
        soon(2)
    )
}

/// A daemon that has sent [`hostile_issue`] to its one subscriber, Anouk.
pub fn anouk_gets_the_issue() -> (SmtpServer, Postbode, Received) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    pb.serve();
    pb.drop_issue(&format!("{SLUG}.md"), &hostile_issue());
    let mail = smtp.wait_for(1, 30).remove(0);
    pb.wait_issue(SLUG, "sent", 30);
    (smtp, pb, mail)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// One answer, read whole.
pub struct Answer {
    pub what: String,
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn get(url: &str) -> Answer {
    answer(format!("GET {url}"), client().get(url)).await
}

pub async fn post(url: &str, fields: &[(&str, &str)]) -> Answer {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let req = client()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    answer(format!("POST {url}"), req).await
}

async fn answer(what: String, req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.unwrap_or_else(|e| panic!("{what}: {e:?}"));
    Answer {
        what,
        status: r.status().as_u16(),
        headers: r.headers().clone(),
        body: r.text().await.expect("body"),
    }
}
