//! The proof and the preview of an issue with a 1,200 px photo, in a phone
//! sized (375 px) and a desktop browser window: nothing is wider than the
//! window (the long signed links in the proof's summary wrap), the photo is
//! scaled to the column in the preview, and the proof tells the editor the
//! photo is too wide. Screenshots are saved.

use std::time::Duration;

use crate::browser;
use crate::common::{Postbode, SmtpServer, python_server};

#[tokio::test(flavor = "multi_thread")]
async fn the_proof_and_the_preview_fit_a_phone_and_a_desktop_window() {
    let Some(b) = browser::start().await else {
        return;
    };
    let logs = tempfile::tempdir().expect("tempdir");
    let log = logs.path().join("requests.log").display().to_string();
    let (mut web, port) = python_server("link_server.py", &[log]);
    let photo = format!("http://127.0.0.1:{port}/wide.png");
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace("editors = []", "editors = [\"redactie@kus.example.nl\"]");
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    pb.add("werk@example.nl", "", &["arbeid-en-inclusie"], &[]);
    pb.add("lezer@example.nl", "", &[], &[]);
    pb.serve();
    pb.drop_issue(
        "2030-06-platformnieuws.md",
        &format!(
            "---\nsubject: Platformnieuws juni 2030\nsend_at: 2030-06-01 09:00\n---\nBeste lezer,\n\n\
             ## Terugblik\n![Zaal vol deelnemers]({photo})\n\nTekst onder de foto.\n\n\
             ## Kick-off {{workshops=arbeid-en-inclusie}}\nAlleen voor de werkplaats.\n"
        ),
    );
    let proof = smtp.wait_for(1, 60).remove(0);
    let text = proof.text();
    assert!(
        text.contains("1200 px breed") && text.contains("kolom van 552 px"),
        "the link check's image warning is in the proof:\n{text}"
    );
    let preview = text
        .lines()
        .find(|l| l.contains("krijgen: Terugblik") && !l.contains("Kick-off"))
        .and_then(|l| l.split_whitespace().find(|w| w.contains("/preview/")))
        .unwrap_or_else(|| panic!("a preview link for the readers of Terugblik only:\n{text}"))
        .to_string();
    let file = pb.path("proof.html");
    std::fs::write(&file, proof.html()).expect("proof html");

    for (page, url) in [
        ("proof", format!("file://{}", file.display())),
        ("preview", preview),
    ] {
        b.goto(&url).await;
        for (width, size) in [(375, "phone"), (1280, "desktop")] {
            let name = format!("{page}-{size}");
            b.set_width(width, 900).await;
            b.wait_for_text("Tekst onder de foto.").await;
            // The photo is loaded before it is measured.
            let mut loaded = 0;
            for _ in 0..50 {
                loaded = b
                    .script("const i = document.querySelector('img[alt=\"Zaal vol deelnemers\"]'); return i && i.complete ? i.naturalWidth : -1")
                    .await
                    .as_i64()
                    .unwrap_or(-1);
                if loaded > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert_eq!(loaded, 1200, "{name}: the photo loaded");
            let viewport = b.script("return window.innerWidth").await.as_i64();
            assert_eq!(viewport, Some(i64::from(width)), "{name}: viewport");
            let wide = b
                .script("return document.documentElement.scrollWidth")
                .await
                .as_i64()
                .unwrap_or(i64::MAX);
            assert!(
                wide <= i64::from(width),
                "{name}: the page is {wide} px wide in a {width} px window"
            );
            let shown = b
                .script("return Math.round(document.querySelector('img[alt=\"Zaal vol deelnemers\"]').getBoundingClientRect().width)")
                .await
                .as_i64()
                .unwrap_or(i64::MAX);
            assert!(
                shown <= 552.min(i64::from(width)),
                "{name}: the photo is {shown} px wide"
            );
            b.screenshot(&name).await;
        }
        if page == "preview" {
            let shown = b.text().await;
            assert!(shown.contains("VOORBEELD") && !shown.contains("Alleen voor de werkplaats."));
            b.assert_no_csp_violations("preview").await;
        }
    }
    b.quit().await;
    pb.stop();
    let _ = web.kill();
    let _ = web.wait();
}
