//! The welcome mail after a confirmed sign-up, end to end: signed up through
//! the form, confirmed by a POST to the web server as the button in the
//! confirmation mail does, the welcome read at the SMTP server and its links
//! followed over HTTP. It goes out only while `mjml/welcome.mjml` is in the
//! templates folder, once per confirmation, in the subscriber's language.

use std::time::{Duration, Instant};

use crate::common::{Postbode, ROOT, Received, SmtpServer};
use crate::{client, mails_for, subscribe};

/// Signs `email` up in `language` with `name` and waits for the
/// confirmation mail: its confirm link.
async fn sign_up(
    pb: &Postbode,
    smtp: &SmtpServer,
    email: &str,
    name: &str,
    language: &str,
) -> String {
    let fields = [
        ("email", email),
        ("name", name),
        ("language", language),
        ("workshops", "arbeid-en-inclusie"),
    ];
    let (status, page) = subscribe(pb, &fields).await;
    assert_eq!(status, 200, "{page}");
    let mail = wait_for_mail(smtp, email, |_| true);
    mail.link(&format!("{}/confirm/", pb.base_url()))
}

/// POSTs the confirm link as the page's button does: (status, page).
async fn confirm(link: &str) -> (u16, String) {
    let r = client().post(link).send().await.expect("POST confirm");
    (r.status().as_u16(), r.text().await.expect("page"))
}

/// The first mail to `email` that `which` accepts, waiting up to 20 s.
fn wait_for_mail(smtp: &SmtpServer, email: &str, which: impl Fn(&Received) -> bool) -> Received {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(m) = mails_for(smtp, email).into_iter().find(|m| which(m)) {
            return m;
        }
        assert!(Instant::now() < end, "no such mail for {email}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn is_welcome(m: &Received) -> bool {
    m.subject().starts_with("Welcome") || m.subject().starts_with("Welkom")
}

/// GET `url`: (status, page).
async fn get(url: &str) -> (u16, String) {
    let r = client().get(url).send().await.expect("GET");
    (r.status().as_u16(), r.text().await.expect("page"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_confirmed_sign_up_is_welcomed_once_in_its_language_with_links_that_work() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    pb.serve();
    let base = pb.base_url();

    let link = sign_up(&pb, &smtp, "emma@example.org", "Emma", "en").await;
    // A double click: two confirmations at once.
    let (first, second) = tokio::join!(confirm(&link), confirm(&link));
    for (status, page) in [&first, &second] {
        assert_eq!(*status, 200, "{page}");
        assert!(page.contains("Your subscription is confirmed"), "{page}");
    }
    assert_eq!(pb.subscriber("emma@example.org")["status"], "active");

    let welcome = wait_for_mail(&smtp, "emma@example.org", is_welcome);
    assert_eq!(
        welcome.subject(),
        "Welcome to the newsletter of kennisplatform Utrecht Sociaal"
    );
    assert_eq!(
        welcome.header("Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    let (text, html) = (welcome.text(), welcome.html());
    assert!(text.contains("Dear Emma,"), "{text}");
    assert!(html.contains("lang=\"en\""), "{html}");
    for dutch in ["Welkom", "Beste", "voorkeuren", "archief", "aanmelding"] {
        assert!(!text.contains(dutch), "Dutch {dutch:?} in:\n{text}");
        assert!(!html.contains(dutch), "Dutch {dutch:?} in the HTML");
    }

    // The archive, in English, and Emma's own preference centre.
    let archive = welcome.link(&format!("{base}/archive"));
    assert_eq!(archive, format!("{base}/archive?lang=en"));
    let (status, page) = get(&archive).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<html lang=\"en\""), "{page}");
    let preferences = welcome.link(&format!("{base}/preferences/"));
    let (status, page) = get(&preferences).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Your preferences"), "{page}");
    assert!(page.contains("value=\"Emma\""), "Emma's own record: {page}");
    assert!(
        page.contains("value=\"arbeid-en-inclusie\" checked"),
        "{page}"
    );
    // The HTML buttons lead to the same places.
    assert!(html.contains(&format!("href=\"{archive}\"")), "{html}");
    assert!(html.contains(&format!("href=\"{preferences}\"")), "{html}");

    // A link replayed later confirms nothing new and sends nothing.
    let (status, _) = confirm(&link).await;
    assert_eq!(status, 200);
    // A Dutch sign-up after it: its welcome arrives after any second
    // welcome to Emma would have, and is in Dutch.
    let link = sign_up(&pb, &smtp, "daan@example.nl", "Daan", "nl").await;
    let (status, page) = confirm(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Je aanmelding is bevestigd"), "{page}");
    let dutch = wait_for_mail(&smtp, "daan@example.nl", is_welcome);
    assert_eq!(
        dutch.subject(),
        "Welkom bij de nieuwsbrief van het kennisplatform Utrecht Sociaal"
    );
    let text = dutch.text();
    assert!(text.contains("Beste Daan,"), "{text}");
    assert_eq!(
        dutch.link(&format!("{base}/archive")),
        format!("{base}/archive"),
        "the archive in Dutch"
    );
    for english in ["Welcome", "Dear", "in your preferences", "archive?lang=en"] {
        assert!(!text.contains(english), "English {english:?} in:\n{text}");
    }
    std::thread::sleep(Duration::from_secs(1));
    let emmas: Vec<String> = mails_for(&smtp, "emma@example.org")
        .iter()
        .map(Received::subject)
        .collect();
    assert_eq!(
        emmas,
        [
            "Confirm your subscription to kennisplatform Utrecht Sociaal",
            "Welcome to the newsletter of kennisplatform Utrecht Sociaal",
        ],
        "one confirmation and one welcome"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_the_welcome_layout_a_confirmation_sends_no_welcome() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    std::fs::remove_file(pb.path("mjml/welcome.mjml")).expect("remove the layout");
    pb.serve();

    let link = sign_up(&pb, &smtp, "femke@example.nl", "Femke", "nl").await;
    let (status, page) = confirm(&link).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(pb.subscriber("femke@example.nl")["status"], "active");

    // The layout back in place: the next confirmation is welcomed, which
    // shows the daemon reads the folder and sends welcomes at all.
    std::fs::copy(
        std::path::Path::new(ROOT).join("mjml/welcome.mjml"),
        pb.path("mjml/welcome.mjml"),
    )
    .expect("copy the layout");
    let link = sign_up(&pb, &smtp, "gijs@example.nl", "Gijs", "nl").await;
    confirm(&link).await;
    wait_for_mail(&smtp, "gijs@example.nl", is_welcome);
    std::thread::sleep(Duration::from_secs(1));

    let femkes: Vec<String> = mails_for(&smtp, "femke@example.nl")
        .iter()
        .map(Received::subject)
        .collect();
    assert_eq!(
        femkes,
        ["Bevestig je aanmelding bij het kennisplatform Utrecht Sociaal"],
        "the confirmation only"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_welcome_that_fails_leaves_the_confirmation_standing_and_the_address_out_of_the_log() {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), "");
    // A layout an operator broke while editing it.
    std::fs::write(pb.path("mjml/welcome.mjml"), "<mjml>{% if %}</mjml>").expect("layout");
    pb.serve();

    let link = sign_up(&pb, &smtp, "hanna@example.nl", "Hanna", "nl").await;
    let (status, page) = confirm(&link).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Je aanmelding is bevestigd"), "{page}");
    assert_eq!(pb.subscriber("hanna@example.nl")["status"], "active");

    let end = Instant::now() + Duration::from_secs(20);
    while !pb.log().contains("welcome mail failed") {
        assert!(Instant::now() < end, "no failure logged:\n{}", pb.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = pb.log();
    assert!(
        !log.contains("hanna@example.nl"),
        "the address in the log:\n{log}"
    );
    assert_eq!(
        mails_for(&smtp, "hanna@example.nl").len(),
        1,
        "the confirmation only"
    );
}
