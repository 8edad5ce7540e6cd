//! The proof's preview links: each variant (the sections one group of
//! readers gets) can be seen in the browser through a signed link, with no
//! login and nothing personal in it; a forged, altered or expired link shows
//! nothing.

use postbode::domain::editor_link::{EditorAction, EditorLink};
use postbode::domain::token::TokenSigner;

use super::with_editors;
use crate::common::{Postbode, SmtpServer, TEST_KEY};

const ISSUE: &str = "---
subject: Platformnieuws mei 2030
send_at: 2030-05-01 09:00
---
Beste {{ subscriber.name }}, dit is het nieuws.

## Voor iedereen
Tekst voor iedereen.

## Kick-off {workshops=arbeid-en-inclusie}
Alleen voor de werkplaats.

## Welzijn {interests=welzijn}
Alleen voor het thema.
";

/// The URL on the line of `text` that holds `needle`.
fn url_on_line(text: &str, needle: &str) -> String {
    let line = text
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"));
    line.split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no link on {line:?}"))
        .to_string()
}

async fn get(url: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let r = reqwest::get(url).await.expect("GET");
    let headers = r.headers().clone();
    (r.status().as_u16(), headers, r.text().await.expect("body"))
}

#[tokio::test(flavor = "multi_thread")]
async fn each_variant_can_be_seen_in_the_browser_without_anything_personal() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    with_editors(&pb, "");
    pb.add(
        "anouk@example.nl",
        "Anouk de Vries",
        &["arbeid-en-inclusie"],
        &[],
    );
    pb.add("bram@example.nl", "Bram Jansen", &[], &["welzijn"]);
    pb.add("lezer@example.nl", "", &[], &[]);
    pb.ok(&[
        "subscribers",
        "add",
        "reader@example.nl",
        "--language",
        "en",
        "--confirmed",
        "--consent",
        "test",
    ]);
    pb.serve();
    pb.drop_issue("2030-05-platformnieuws.md", ISSUE);
    let text = smtp.wait_for(1, 40).remove(0).text();

    let workshop = url_on_line(&text, "krijgen in het Nederlands: Voor iedereen, Kick-off");
    let theme = url_on_line(&text, "krijgen in het Nederlands: Voor iedereen, Welzijn");
    let english = url_on_line(&text, "1 lezer(s) krijgen in het Engels: Voor iedereen ·");
    let everyone = url_on_line(&text, "Alle secties in de browser");
    assert!(workshop.starts_with(&format!("{}/preview/", pb.base_url())));
    for (url, shown, hidden) in [
        (
            &workshop,
            vec!["Alleen voor de werkplaats."],
            vec!["Alleen voor het thema."],
        ),
        (
            &theme,
            vec!["Alleen voor het thema."],
            vec!["Alleen voor de werkplaats."],
        ),
        (
            &everyone,
            vec!["Alleen voor de werkplaats.", "Alleen voor het thema."],
            vec![],
        ),
    ] {
        let (code, headers, page) = get(url).await;
        assert_eq!(code, 200, "{page}");
        assert!(page.contains("VOORBEELD") && page.contains("Tekst voor iedereen."));
        assert!(page.contains("Beste lezer,"), "greets nobody by name");
        for s in shown {
            assert!(page.contains(s), "{s} in {url}");
        }
        for s in hidden {
            assert!(!page.contains(s), "{s} not in {url}");
        }
        for personal in [
            "Anouk",
            "Bram",
            "@example.nl",
            "/unsubscribe/",
            "/preferences/",
        ] {
            assert!(!page.contains(personal), "{personal} in the preview");
        }
        assert!(!page.contains("<script"), "nothing runs");
        let policy = headers["content-security-policy"].to_str().expect("csp");
        assert!(policy.contains("default-src 'none'"), "{policy}");
        assert_eq!(headers["cache-control"], "no-store");
    }

    // The English readers' version: the words around the text in English,
    // the editors' text as written.
    let (code, _, page) = get(&english).await;
    assert_eq!(code, 200, "{page}");
    assert!(
        page.contains("Tekst voor iedereen.") && page.contains("Beste reader,"),
        "{page}"
    );
    assert!(
        page.contains("Unsubscribe") && !page.contains("Afmelden"),
        "{page}"
    );
    assert!(!page.contains("Alleen voor de werkplaats."));

    // Altered or forged: the one "link not valid" page.
    let mut altered: Vec<char> = workshop.chars().collect();
    let i = altered.len() - 3;
    altered[i] = if altered[i] == 'A' { 'B' } else { 'A' };
    let altered: String = altered.into_iter().collect();
    assert_eq!(get(&altered).await.0, 404);
    let base = pb.base_url();
    assert_eq!(get(&format!("{base}/preview/AAAA")).await.0, 404);

    // Genuine but expired, or naming sections the issue does not have.
    let signer = TokenSigner::new(&[TEST_KEY.to_string()]);
    let token = workshop.rsplit('/').next().expect("token");
    let link = EditorLink::verify(token, EditorAction::Preview, &signer).expect("genuine");
    let expired = EditorLink {
        expires_at: chrono::Utc::now().timestamp() - 1,
        ..link.clone()
    };
    let url = format!("{base}/preview/{}", expired.sign(&signer).expect("signed"));
    let (code, _, page) = get(&url).await;
    assert_eq!(code, 410);
    assert!(page.contains("verlopen"), "{page}");
    let wrong = EditorLink {
        sections: vec![true; 7],
        ..link.clone()
    };
    let url = format!("{base}/preview/{}", wrong.sign(&signer).expect("signed"));
    assert_eq!(get(&url).await.0, 404);
    // An approval link is no preview link, and the other way round.
    let approval = EditorLink {
        action: EditorAction::Approve,
        sections: Vec::new(),
        ..link
    };
    let token = approval.sign(&signer).expect("signed");
    assert_eq!(get(&format!("{base}/preview/{token}")).await.0, 404);
    assert_eq!(
        get(&format!(
            "{base}/approve/{}",
            workshop.rsplit('/').next().expect("token")
        ))
        .await
        .0,
        404
    );
    // An expired approval link shows what to do and approves nothing.
    let stale = EditorLink {
        expires_at: chrono::Utc::now().timestamp() - 1,
        ..approval
    };
    let url = format!("{base}/approve/{}", stale.sign(&signer).expect("signed"));
    let (code, _, page) = get(&url).await;
    assert_eq!(code, 410);
    assert!(page.contains("verlopen"), "{page}");
    let posted = reqwest::Client::new()
        .post(&url)
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("POST");
    assert_eq!(posted.status().as_u16(), 410);
    pb.stop();
}
