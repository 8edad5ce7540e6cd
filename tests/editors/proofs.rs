//! The proof an editor can act on: one per change however often the file is
//! saved, `[PROEF]` in the subject, and at the top the send time in local
//! time, how many readers get which sections, and what `check` warns about.

use std::time::Duration;

use super::{EDITOR, with_editors};
use crate::common::{Postbode, SmtpServer};

fn issue(version: u32) -> String {
    format!(
        "---
subject: Platformnieuws maart 2030
send_at: 2030-03-01 09:00
agenda:
  - title: Platformdag
    start: 2030-04-10
---
Beste lezer, versie {version}.

## Voor iedereen
Tekst.

## Kick-off {{workshops=arbeid-en-inclusie}}
Alleen voor de werkplaats.

## Welzijn {{interests=welzijn}}
Alleen voor het thema.
"
    )
}

#[test]
fn one_proof_per_change_with_time_readers_and_warnings() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    with_editors(&pb, "");
    pb.add("werk@example.nl", "", &["arbeid-en-inclusie"], &[]);
    pb.add("werk2@example.nl", "", &["arbeid-en-inclusie"], &[]);
    pb.add("welzijn@example.nl", "", &[], &["welzijn"]);
    pb.add("lezer@example.nl", "", &[], &[]);
    pb.serve();
    // Saved three times within a few seconds: one proof, of the last.
    for version in 1..=3 {
        pb.drop_issue("2030-03-platformnieuws.md", &issue(version));
        std::thread::sleep(Duration::from_millis(1500));
    }
    let proofs = smtp.wait_for(1, 40);
    std::thread::sleep(Duration::from_secs(12));
    let all = smtp.messages();
    assert_eq!(
        all.len(),
        1,
        "{:?}",
        all.iter().map(|m| m.subject()).collect::<Vec<_>>()
    );
    let proof = &proofs[0];
    assert_eq!(proof.rcpt, EDITOR);
    assert_eq!(proof.subject(), "[PROEF] Platformnieuws maart 2030");
    let text = proof.text();
    assert!(text.contains("versie 3."), "the last version: {text}");
    for says in [
        "Verzendmoment: 2030-03-01 09:00 CET",
        "Lezers nu: 4",
        "2 lezer(s) krijgen: Voor iedereen, Kick-off",
        "1 lezer(s) krijgen: Voor iedereen, Welzijn",
        "Waarschuwingen:",
        "agendapunt \"Platformdag\" heeft geen id",
    ] {
        assert!(text.contains(says), "{says:?} in:\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l
                .starts_with("- 1 lezer(s) krijgen: Voor iedereen · bekijk in de browser: http")),
        "the readers who follow neither: {text}"
    );
    // The summary stands before the issue, in the HTML too.
    let html = proof.html();
    let summary = html.find("Lezers nu: 4").expect("summary in the HTML");
    let intro = html.find("versie 3.").expect("the issue");
    assert!(summary < intro);
    pb.stop();
}
