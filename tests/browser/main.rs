//! The subscriber's pages in a real browser (headless Chromium), with a
//! screenshot of each page saved for review.

#[path = "../common/browser.rs"]
mod browser;
#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, SmtpServer, soon};

#[tokio::test(flavor = "multi_thread")]
async fn unsubscribing_from_a_mail_link_in_a_browser() {
    let Some(b) = browser::start().await else {
        return;
    };
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.add("anouk@example.nl", "Anouk", &["arbeid-en-inclusie"], &[]);
    pb.serve();
    pb.drop_issue(
        "2026-12-platformnieuws.md",
        &format!(
            "---\nsubject: Platformnieuws december\nsend_at: {}\n---\nHallo.\n",
            soon(2)
        ),
    );
    let mail = smtp.wait_for(1, 30).remove(0);
    b.goto(&mail.unsubscribe_url()).await;
    assert!(
        b.text()
            .await
            .contains("Druk op de knop om geen mail meer van ons te ontvangen.")
    );
    b.screenshot("unsubscribe-page").await;
    assert_eq!(
        pb.subscriber("anouk@example.nl")["status"],
        "active",
        "opening the page changes nothing"
    );
    b.click("form button[type=submit]").await;
    assert!(b.text().await.contains("Je bent afgemeld"));
    b.screenshot("unsubscribed").await;
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "unsubscribed");
    b.quit().await;
}
