//! Approval (`platform.require_approval`): a new or changed issue waits in
//! `awaiting_approval` until an editor approves the version the proof
//! showed, through the signed link in the proof or `postbode approve`; its
//! send time only counts from then; an approval of an older version, a
//! forged link or a post from another site changes nothing.

use std::time::Duration;

use super::{EDITOR, with_editors};
use crate::common::{Postbode, SmtpServer, soon};

fn issue(send_at: &str, version: u32) -> String {
    format!(
        "---
subject: Platformnieuws april 2030
send_at: {send_at}
---
Beste lezer, versie {version}.

## Voor iedereen
Tekst.
"
    )
}

/// The link in `text` under `{base}/{path}/`.
fn link_in(text: &str, base: &str, path: &str) -> String {
    let prefix = format!("{base}/{path}/");
    text.split_whitespace()
        .find(|w| w.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {prefix}… link in:\n{text}"))
        .to_string()
}

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.expect("GET");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn post(url: &str, site: &str) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(url)
        .header("sec-fetch-site", site)
        .send()
        .await
        .expect("POST");
    (r.status().as_u16(), r.text().await.expect("body"))
}

fn status(pb: &Postbode, slug: &str) -> String {
    pb.issue_status(slug).expect("issue")["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issue_waits_for_approval_and_goes_out_when_approved_through_its_proof() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    with_editors(&pb, "require_approval = true");
    pb.add("werk@example.nl", "", &["arbeid-en-inclusie"], &[]);
    pb.add("lezer@example.nl", "", &[], &[]);
    pb.serve();
    let slug = "2030-04-platformnieuws";
    // Its send time passes while it waits: it goes out when approved.
    pb.drop_issue(&format!("{slug}.md"), &issue(&soon(14), 1));
    let proof = smtp.wait_for(1, 40).remove(0);
    assert_eq!(proof.rcpt, EDITOR);
    assert_eq!(status(&pb, slug), "awaiting_approval");
    let text = proof.text();
    assert!(
        text.contains("Dit nummer wacht op goedkeuring"),
        "the proof says so: {text}"
    );
    let approve = link_in(&text, &pb.base_url(), "approve");
    assert!(
        proof.html().contains(&format!("href=\"{approve}\"")),
        "the approval link is a link in the HTML part"
    );
    std::thread::sleep(Duration::from_secs(8));
    assert_eq!(
        smtp.count(),
        1,
        "nothing goes out before approval, even after its send time"
    );

    // Opening the link (as a mail scanner does) changes nothing.
    let (code, page) = get(&approve).await;
    assert_eq!(code, 200);
    assert!(page.contains("Platformnieuws april 2030") && page.contains("Keur dit nummer goed"));
    assert!(
        page.contains("al voorbij"),
        "says it goes out at once: {page}"
    );
    assert_eq!(status(&pb, slug), "awaiting_approval");

    // A forged link and a post from another site approve nothing.
    let mut forged: Vec<char> = approve.chars().collect();
    let i = forged.len() - 5;
    forged[i] = if forged[i] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    assert_eq!(post(&forged, "same-origin").await.0, 404);
    assert_eq!(post(&approve, "cross-site").await.0, 403);
    assert_eq!(status(&pb, slug), "awaiting_approval");
    assert_eq!(smtp.count(), 1);

    let (code, page) = post(&approve, "same-origin").await;
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("is goedgekeurd"), "{page}");
    let got = smtp.wait_for(3, 30);
    let mut readers: Vec<&str> = got
        .iter()
        .filter(|m| m.subject() == "Platformnieuws april 2030")
        .map(|m| m.rcpt.as_str())
        .collect();
    readers.sort();
    assert_eq!(readers, ["lezer@example.nl", "werk@example.nl"]);
    pb.wait_issue(slug, "sent", 30);

    // The link again: nothing waits, nothing is sent twice.
    let (code, page) = post(&approve, "same-origin").await;
    assert_eq!(code, 409, "{page}");
    assert!(page.contains("wacht niet op goedkeuring"), "{page}");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(smtp.count(), 3);
    pb.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approval_older_than_the_latest_change_does_not_count() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    with_editors(&pb, "require_approval = true");
    pb.add("lezer@example.nl", "", &[], &[]);
    pb.serve();
    let slug = "2030-04-platformnieuws";
    let file = format!("{slug}.md");
    pb.drop_issue(&file, &issue("2030-04-01 09:00", 1));
    let first = smtp.wait_for(1, 40).remove(0).text();
    pb.drop_issue(&file, &issue("2030-04-01 09:00", 2));
    let second = smtp.wait_for(2, 40).remove(1).text();
    assert!(second.contains("versie 2."), "{second}");
    let (old, new) = (
        link_in(&first, &pb.base_url(), "approve"),
        link_in(&second, &pb.base_url(), "approve"),
    );
    assert_ne!(old, new);

    let (code, page) = post(&old, "same-origin").await;
    assert_eq!(code, 410, "{page}");
    assert!(page.contains("nieuwere versie"), "{page}");
    assert_eq!(status(&pb, slug), "awaiting_approval");
    // The older proof's preview says the same.
    let (code, page) = get(&link_in(&first, &pb.base_url(), "preview")).await;
    assert_eq!(code, 410);
    assert!(page.contains("oudere versie"), "{page}");

    let (code, page) = post(&new, "same-origin").await;
    assert_eq!(code, 200, "{page}");
    assert!(
        page.contains("is goedgekeurd en gaat uit op 2030-04-01 09:00 CEST"),
        "{page}"
    );
    assert_eq!(status(&pb, slug), "scheduled");

    // A change after the approval: it waits again, for the new version.
    pb.drop_issue(&file, &issue("2030-04-01 09:00", 3));
    pb.wait_issue(slug, "awaiting_approval", 20);
    assert_eq!(post(&new, "same-origin").await.0, 410);
    assert_eq!(status(&pb, slug), "awaiting_approval");

    // From the command line: the version stored now.
    let out = pb.cli(&["approve", slug]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("is goedgekeurd en gaat uit op 2030-04-01 09:00"),
        "{said}"
    );
    assert_eq!(status(&pb, slug), "scheduled");
    let out = pb.cli(&["approve", "bestaat-niet"]);
    assert_eq!(out.status.code(), Some(1));
    pb.stop();
}

#[test]
fn approve_says_when_approval_is_not_required() {
    let pb = Postbode::new("smtp://127.0.0.1:9", "");
    let out = pb.cli(&["approve", "2030-04-platformnieuws"]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("platform.require_approval staat uit"),
        "{said}"
    );
}
