//! The subscriber's pages in a real browser (headless Chromium), with a
//! screenshot of each page saved for review. On every page the console is
//! read for what the Content-Security-Policy refused: nothing may be.

#[path = "../common/browser.rs"]
mod browser;
#[path = "../common/mod.rs"]
mod common;
mod images;
mod proof;

use common::{anouk_gets_an_issue, serving};

#[tokio::test(flavor = "multi_thread")]
async fn unsubscribing_from_a_mail_link_in_a_browser() {
    let Some(b) = browser::start().await else {
        return;
    };
    // The SMTP server stays up for the whole test.
    let (_smtp, pb, mail) = anouk_gets_an_issue("");
    b.goto(&mail.unsubscribe_url()).await;
    assert!(
        b.text()
            .await
            .contains("Druk op de knop om geen mail meer van ons te ontvangen.")
    );
    b.screenshot("unsubscribe-page").await;
    b.assert_no_csp_violations("unsubscribe-page").await;
    assert_eq!(
        pb.subscriber("anouk@example.nl")["status"],
        "active",
        "opening the page changes nothing"
    );
    b.click("form button[type=submit]").await;
    b.wait_for_text("Je bent afgemeld").await;
    b.screenshot("unsubscribed").await;
    b.assert_no_csp_violations("unsubscribed").await;
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "unsubscribed");
    b.quit().await;
}

/// Signing up in the browser, confirming from the mail, seeing each page.
#[tokio::test(flavor = "multi_thread")]
async fn signing_up_and_confirming_in_a_browser() {
    let Some(b) = browser::start().await else {
        return;
    };
    let (smtp, pb) = serving("");
    b.goto(&format!("{}/", pb.base_url())).await;
    assert!(b.source().await.contains("lang=\"nl\""));
    b.type_into("#email", "anouk@example.nl").await;
    b.type_into("#name", "Anouk <b>d'Hondt</b>").await;
    b.click("input[name=workshops][value=arbeid-en-inclusie]")
        .await;
    b.click("input[name=interests][value=welzijn]").await;
    b.click("#reminders").await;
    b.screenshot("subscribe-form-filled").await;
    b.assert_no_csp_violations("subscribe-form-filled").await;
    assert_eq!(
        b.script("return getComputedStyle(document.querySelector('header')).backgroundColor")
            .await,
        "rgb(200, 16, 46)",
        "the page's stylesheet is applied: the header has the accent colour"
    );
    b.click("form button[type=submit]").await;
    b.wait_for_text("Kijk in je mailbox").await;
    b.screenshot("subscribe-answer").await;
    b.assert_no_csp_violations("subscribe-answer").await;
    let mail = smtp.wait_for(1, 20).remove(0);
    let link = mail
        .text()
        .split_whitespace()
        .find(|w| w.contains("/confirm/"))
        .expect("confirm link")
        .to_string();
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "pending");
    b.goto(&link).await;
    b.screenshot("confirm-page").await;
    b.assert_no_csp_violations("confirm-page").await;
    assert_eq!(
        pb.subscriber("anouk@example.nl")["status"],
        "pending",
        "opening the link confirms nothing"
    );
    b.click("form button[type=submit]").await;
    b.wait_for_text("Je aanmelding is bevestigd").await;
    b.screenshot("confirmed").await;
    b.assert_no_csp_violations("confirmed").await;
    let s = pb.subscriber("anouk@example.nl");
    assert_eq!(s["status"], "active");
    assert_eq!(s["name"], "Anouk <b>d'Hondt</b>", "stored as typed");
    assert_eq!(s["workshops"], serde_json::json!(["arbeid-en-inclusie"]));
    assert_eq!(s["interests"], serde_json::json!(["welzijn"]));
    assert_eq!(s["reminders"], true);
    b.quit().await;
}

/// From a newsletter to the preference centre: change choices, download the
/// data, unsubscribe there and say why, all in the browser.
#[tokio::test(flavor = "multi_thread")]
async fn changing_preferences_downloading_data_and_unsubscribing_in_a_browser() {
    let Some(b) = browser::start().await else {
        return;
    };
    // The SMTP server stays up for the whole test.
    let (smtp, pb, mail) = anouk_gets_an_issue("");
    let prefs = mail
        .text()
        .lines()
        .find_map(|l| l.strip_prefix("Voorkeuren aanpassen: "))
        .expect("preferences link in the text part")
        .trim()
        .to_string();
    b.goto(&prefs).await;
    b.screenshot("preferences").await;
    b.assert_no_csp_violations("preferences").await;
    assert!(
        b.source()
            .await
            .contains("value=\"arbeid-en-inclusie\" checked"),
        "current choice ticked"
    );
    b.click("input[name=workshops][value=arbeid-en-inclusie]")
        .await;
    b.click("input[name=workshops][value=ontwikkeltafels]")
        .await;
    b.click("input[name=interests][value=geweld-in-gezinnen]")
        .await;
    b.click("#language-en").await;
    b.click("form button[type=submit]").await;
    b.wait_for_text("Your preferences have been saved.").await;
    b.screenshot("preferences-saved").await;
    b.assert_no_csp_violations("preferences-saved").await;
    let s = pb.subscriber("anouk@example.nl");
    assert_eq!(s["workshops"], serde_json::json!(["ontwikkeltafels"]));
    assert_eq!(s["interests"], serde_json::json!(["geweld-in-gezinnen"]));
    assert_eq!(s["language"], "en");
    assert!(
        b.source().await.contains("lang=\"en\""),
        "the page follows the new language"
    );

    // The data is behind a link mailed on request; opening it downloads
    // the person's data as a JSON file.
    b.click("form[action$='/data-link'] button").await;
    b.wait_for_text("Check your mailbox").await;
    let data_mail = smtp.wait_for(2, 20).remove(1);
    let data_url = data_mail
        .text()
        .split_whitespace()
        .find(|w| w.ends_with("/data"))
        .expect("the data link in the mail")
        .to_string();
    b.goto(&data_url).await;
    let file = b.downloaded().await;
    // Named in the language Anouk just chose.
    assert_eq!(
        file.file_name().and_then(|n| n.to_str()),
        Some("my-data.json")
    );
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("download")).expect("json");
    assert!(data.to_string().contains("anouk@example.nl"));
    assert!(
        data.to_string().contains("Platformnieuws december"),
        "mails received are listed"
    );

    b.goto(&prefs).await;
    b.click("form[action$='/unsubscribe'] button").await;
    b.wait_for_text("You are unsubscribed").await;
    assert_eq!(pb.subscriber("anouk@example.nl")["status"], "unsubscribed");
    b.screenshot("unsubscribed-reason-form").await;
    b.assert_no_csp_violations("unsubscribed-reason-form").await;
    b.click("#reason-too-much").await;
    b.click("form button[type=submit]").await;
    b.wait_for_text("Thank you for letting us know.").await;
    b.screenshot("reason-thanks").await;
    b.assert_no_csp_violations("reason-thanks").await;
    let status = pb.status_json();
    assert!(
        status.to_string().contains("too-much"),
        "the reason is reported: {status}"
    );
    b.quit().await;
}

/// The web version of a sent issue: the mail's layout applies (its `<style>`
/// block and inline styles) under the archive's policy, which refuses nothing.
#[tokio::test(flavor = "multi_thread")]
async fn reading_the_archive_in_a_browser() {
    let Some(b) = browser::start().await else {
        return;
    };
    let (_smtp, pb, _mail) = anouk_gets_an_issue("");
    b.goto(&format!("{}/archive", pb.base_url())).await;
    b.wait_for_text("Platformnieuws december").await;
    b.screenshot("archive").await;
    b.assert_no_csp_violations("archive").await;
    b.click("ul.issues a").await;
    b.wait_for_text("Hallo.").await;
    b.screenshot("archive-issue").await;
    b.assert_no_csp_violations("archive-issue").await;
    assert!(b.url().await.ends_with("/archive/2026-12-platformnieuws"));
    assert_eq!(
        b.script("return getComputedStyle(document.querySelector('.pb-body p')).marginBottom")
            .await,
        "14px",
        "the layout's <style> block applies"
    );
    assert_eq!(
        b.script("return getComputedStyle(document.querySelector('h1')).fontSize")
            .await,
        "24px",
        "inline styles apply"
    );
    assert_eq!(
        b.script("return getComputedStyle(document.body).backgroundColor")
            .await,
        "rgb(242, 242, 242)",
        "the mail's background colour fills the page"
    );
    b.quit().await;
}

/// The console check sees what a policy refuses: a style the page's policy
/// does not allow, added from outside, is reported and not applied.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_style_shows_in_the_console() {
    let Some(b) = browser::start().await else {
        return;
    };
    let (_smtp, pb) = serving("");
    b.goto(&format!("{}/", pb.base_url())).await;
    b.assert_no_csp_violations("subscribe-form").await;
    b.script(
        "const s = document.createElement('style'); \
         s.textContent = 'body { color: rgb(1, 2, 3) }'; \
         document.head.appendChild(s);",
    )
    .await;
    assert_ne!(
        b.script("return getComputedStyle(document.body).color")
            .await,
        "rgb(1, 2, 3)",
        "the policy refuses the added style"
    );
    let console = b.console().await;
    assert!(
        console
            .iter()
            .any(|m| m.contains("Content Security Policy")),
        "the refusal is in the console: {console:#?}"
    );
    b.quit().await;
}
