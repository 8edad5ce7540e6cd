//! A file dropped in the folder that is meant as an issue but will not be
//! read (a name with spaces, `.md.txt`) gets a mail to the editors saying
//! what to rename it to, and a line in `status`; other files (images, temp
//! files) pass unseen, and a renamed file leaves the list.

use std::time::{Duration, Instant};

use crate::common::{Postbode, SmtpServer};

const EDITOR: &str = "redactie@kus.example.nl";
const VALID: &str = "---\nsubject: Platformnieuws januari\n---\nTekst.\n";

#[test]
fn files_the_folder_will_not_read_are_mailed_about_and_listed() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace("editors = []", &format!("editors = [\"{EDITOR}\"]"));
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    pb.serve();
    pb.write_issue("Platformnieuws januari.md", VALID);
    pb.write_issue("2018-03-platformnieuws.md.txt", VALID);
    pb.write_issue("foto.jpg", "not an image, not an issue");
    pb.write_issue(".2018-03-platformnieuws.md.swp", VALID);
    let mails = smtp.wait_for(2, 30);
    let subjects: Vec<String> = mails.iter().map(|m| m.subject()).collect();
    let by_subject = |s: &str| {
        mails
            .iter()
            .find(|m| m.subject() == s)
            .unwrap_or_else(|| panic!("no mail {s:?} among {subjects:?}"))
    };
    let spaces = by_subject("[postbode] Platformnieuws januari.md wordt niet gelezen");
    assert_eq!(spaces.rcpt, EDITOR);
    assert!(
        spaces
            .text()
            .contains("Geef het de naam platformnieuws-januari.md."),
        "{}",
        spaces.text()
    );
    let txt = by_subject("[postbode] 2018-03-platformnieuws.md.txt wordt niet gelezen");
    assert!(
        txt.text().contains("alleen bestanden die op .md of .mjml eindigen. Geef het de naam 2018-03-platformnieuws.md."),
        "{}",
        txt.text()
    );
    let listed = |pb: &Postbode| -> Vec<String> {
        pb.status_json()["unread_files"]
            .as_array()
            .expect("unread_files")
            .iter()
            .map(|f| f["file"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(
        listed(&pb),
        ["2018-03-platformnieuws.md.txt", "Platformnieuws januari.md"]
    );
    let text = pb.ok(&["status"]);
    assert!(
        text.contains("Platformnieuws januari.md: Dit bestand wordt niet gelezen"),
        "{text}"
    );
    // Renamed as the mail says: read as an issue, and off the list.
    std::fs::rename(
        pb.path("newsletters/Platformnieuws januari.md"),
        pb.path("newsletters/platformnieuws-januari.md"),
    )
    .expect("rename");
    pb.wait_issue("platformnieuws-januari", "draft", 30);
    let end = Instant::now() + Duration::from_secs(30);
    while listed(&pb) != ["2018-03-platformnieuws.md.txt"] {
        assert!(Instant::now() < end, "still listed: {:?}", listed(&pb));
        std::thread::sleep(Duration::from_millis(200));
    }
    // Told once: the file still there brings no second mail (the renamed
    // one, now an issue, brings its proof).
    std::thread::sleep(Duration::from_secs(2));
    let reports: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| m.subject())
        .filter(|s| s.ends_with("wordt niet gelezen"))
        .collect();
    assert_eq!(reports.len(), 2, "{reports:?}");
    pb.stop();
}

/// A file name is typed by whoever can write to the folder: line breaks and
/// direction overrides in it reach neither the mail's headers nor `status`.
#[test]
fn a_file_name_with_line_breaks_stays_on_one_line() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    let cfg = std::fs::read_to_string(pb.path("postbode.toml")).expect("config");
    let cfg = cfg.replace("editors = []", &format!("editors = [\"{EDITOR}\"]"));
    std::fs::write(pb.path("postbode.toml"), cfg).expect("config");
    pb.serve();
    pb.write_issue("Nieuws\r\nBcc: buiten@example.org\u{202E}.md", VALID);
    let mail = smtp.wait_for(1, 30).remove(0);
    assert_eq!(mail.rcpt, EDITOR);
    assert_eq!(
        mail.subject(),
        "[postbode] Nieuws Bcc: buiten@example.org .md wordt niet gelezen"
    );
    assert!(mail.header("Bcc").is_none());
    let listed = pb.status_json()["unread_files"][0]["file"].clone();
    assert_eq!(listed, "Nieuws Bcc: buiten@example.org .md");
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(smtp.messages().len(), 1, "one mail, to the editor only");
    pb.stop();
}
