//! `postbode check --links` against real web servers on 127.0.0.1
//! (tests/support/link_server.py, a socket that never answers and a closed
//! port): each link reported at its line, HEAD refused → GET, mailto and
//! merge-tag links left alone, one request at a time per host, and broken
//! links as warnings or, with --strict or `links: strict`, errors.

#[path = "../common/mod.rs"]
mod common;

use common::{Postbode, free_port, python_server};
use std::net::TcpListener;
use std::process::Child;

/// The Python web server, killed when dropped.
struct WebServer {
    child: Child,
    port: u16,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl WebServer {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = dir.path().join("requests.log");
        let (child, port) = python_server("link_server.py", &[log.display().to_string()]);
        Self {
            child,
            port,
            log,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// (method, path, requests active at its arrival) of every request.
    fn requests(&self) -> Vec<(String, String, usize)> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let mut p = l.split(' ');
                let m = p.next().unwrap_or_default().to_string();
                let path = p.next().unwrap_or_default().to_string();
                let n = p.next().and_then(|n| n.parse().ok()).unwrap_or(0);
                (m, path, n)
            })
            .collect()
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const FILE: &str = "newsletters/2030-01-links.md";

/// Runs `check --links` with a 2 s timeout: (exit code, stdout + stderr lines).
fn check_links(pb: &Postbode, extra: &[&str]) -> (Option<i32>, Vec<String>) {
    let mut args = vec!["check", "--links", "--timeout", "2"];
    args.extend_from_slice(extra);
    args.push(FILE);
    let out = pb.cli(&args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text.lines().map(String::from).collect())
}

/// The one output line about the link written as `url` on its line of `issue`.
fn line_about<'a>(out: &'a [String], issue: &str, url: &str) -> &'a str {
    let line = issue
        .lines()
        .position(|l| l.contains(url))
        .unwrap_or_else(|| panic!("{url} not in the issue"))
        + 1;
    let prefix = format!("{FILE}:{line}:");
    out.iter()
        .find(|l| l.starts_with(&prefix) && l.contains(&format!("{url} — ")))
        .unwrap_or_else(|| panic!("no line {prefix} about {url} in:\n{}", out.join("\n")))
}

#[test]
fn every_link_is_reported_at_its_line_and_broken_ones_only_warn() {
    let web = WebServer::start();
    // Accepts connections (the kernel does) but never reads or answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let hang = format!(
        "http://127.0.0.1:{}/hang",
        silent.local_addr().expect("addr").port()
    );
    let closed = format!("http://127.0.0.1:{}/closed", free_port());
    let tagged = web.url("/tagged?u={{ unsubscribe_url }}");
    let issue = format!(
        "---\nsubject: Links\nagenda:\n  - title: Bijeenkomst\n    start: 2030-09-21 13:30\n    location: Utrecht\n    url: {agenda}\n---\n\
         Intro met [een pagina]({ok}).\n\n## Sectie\n\n\
         - [verhuisd]({moved})\n- [weg]({missing})\n- [kapot]({error})\n- [traag]({hang})\n\
         - [dicht]({closed})\n- [geen HEAD]({no_head})\n- [reset]({reset})\n- ![beeld]({image})\n\
         - [mail](mailto:redactie@kus.example.nl)\n- [anker](#agenda)\n\
         - <a href=\"{tagged}\">afmelden</a>\n- [voorkeuren]({{{{preferences_url}}}})\n",
        agenda = web.url("/agenda"),
        ok = web.url("/ok"),
        moved = web.url("/moved"),
        missing = web.url("/missing"),
        error = web.url("/error"),
        no_head = web.url("/no-head"),
        reset = web.url("/reset-head"),
        image = web.url("/image.png"),
    );
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    std::fs::write(pb.path(FILE), &issue).expect("write issue");
    let started = std::time::Instant::now();
    let (code, out) = check_links(&pb, &[]);
    let all = out.join("\n");
    assert_eq!(code, Some(0), "broken links only warn:\n{all}");

    let ok = |url: &str| {
        let l = line_about(&out, &issue, url);
        assert!(l.ends_with("in orde (200)"), "{l}");
    };
    ok(&web.url("/agenda"));
    ok(&web.url("/ok"));
    ok(&web.url("/image.png"));
    ok(&web.url("/no-head"));
    ok(&web.url("/reset-head"));
    let moved = line_about(&out, &issue, &web.url("/moved"));
    assert!(
        moved.contains(&format!("doorgestuurd (301) naar {}", web.url("/ok")))
            && moved.contains("antwoordt met 200"),
        "{moved}"
    );
    for (url, says) in [
        (web.url("/missing"), "foutcode 404"),
        (web.url("/error"), "foutcode 500"),
        (hang.clone(), "geen antwoord binnen 2 seconden"),
        (closed.clone(), "weigert de verbinding"),
    ] {
        let l = line_about(&out, &issue, &url);
        assert!(l.contains(": waarschuwing: ") && l.contains(says), "{l}");
    }
    for (url, says) in [
        ("mailto:redactie@kus.example.nl", "e-mailadres"),
        ("#agenda", "dezelfde pagina"),
        ("{{preferences_url}}", "per lezer"),
        (tagged.as_str(), "per lezer"),
    ] {
        let l = line_about(&out, &issue, url);
        assert!(l.contains("niet gecontroleerd") && l.contains(says), "{l}");
    }
    assert!(
        all.contains("links: 5 in orde, 1 doorgestuurd, 4 werken niet, 4 niet gecontroleerd"),
        "{all}"
    );
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );

    let requests = web.requests();
    let methods = |path: &str| -> Vec<String> {
        requests
            .iter()
            .filter(|(_, p, _)| p == path)
            .map(|(m, _, _)| m.clone())
            .collect()
    };
    assert_eq!(
        methods("/ok"),
        ["HEAD", "HEAD"],
        "once itself, once as the redirect's end"
    );
    assert_eq!(
        methods("/no-head"),
        ["HEAD", "GET"],
        "a refused HEAD is tried again as GET"
    );
    assert_eq!(
        methods("/reset-head"),
        ["HEAD", "GET"],
        "a reset on HEAD: GET"
    );
    assert!(
        !requests
            .iter()
            .any(|(_, p, _)| p.contains("tagged") || p.contains("preferences")),
        "links with merge tags are not fetched: {requests:?}"
    );
    let most = requests.iter().map(|(_, _, n)| *n).max().unwrap_or(0);
    assert_eq!(
        most, 1,
        "more than one request at a time to one host: {requests:?}"
    );
}

fn two_links(web: &WebServer, front: &str) -> String {
    format!(
        "---\nsubject: Links\n{front}---\n[goed]({}) en [weg]({}).\n",
        web.url("/ok"),
        web.url("/missing")
    )
}

#[test]
fn strict_or_links_strict_makes_a_broken_link_fail_the_check() {
    let web = WebServer::start();
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    std::fs::write(pb.path(FILE), two_links(&web, "")).expect("write");
    let (code, out) = check_links(&pb, &[]);
    assert_eq!(code, Some(0), "{out:?}");
    let (code, out) = check_links(&pb, &["--strict"]);
    assert_eq!(code, Some(1), "{out:?}");
    let broken = out
        .iter()
        .find(|l| l.contains("/missing — "))
        .expect("the broken link");
    assert!(!broken.contains("warning"), "an error now: {broken}");
    assert!(out.iter().any(|l| l.contains("--strict")), "{out:?}");

    std::fs::write(pb.path(FILE), two_links(&web, "links: strict\n")).expect("write");
    let (code, out) = check_links(&pb, &[]);
    assert_eq!(code, Some(1), "{out:?}");
    assert!(
        out.iter()
            .any(|l| l.contains("links: strict in de kop van het bestand")),
        "{out:?}"
    );

    // Strict with every link working passes.
    let fine = format!(
        "---\nsubject: Links\nlinks: strict\n---\n[goed]({}).\n",
        web.url("/ok")
    );
    std::fs::write(pb.path(FILE), fine).expect("write");
    let (code, out) = check_links(&pb, &["--strict"]);
    assert_eq!(code, Some(0), "{out:?}");

    // A misspelt policy is an error of the front matter.
    std::fs::write(pb.path(FILE), two_links(&web, "links: streng\n")).expect("write");
    let (code, out) = check_links(&pb, &[]);
    assert_eq!(code, Some(1), "{out:?}");
    assert!(
        out.iter().any(|l| l.starts_with(&format!("{FILE}:3:"))),
        "{out:?}"
    );
}

#[test]
fn english_editors_read_english() {
    let web = WebServer::start();
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    let cfg = pb.path("postbode.toml");
    let text = std::fs::read_to_string(&cfg).expect("config");
    std::fs::write(
        &cfg,
        text.replace("[platform]\n", "[platform]\nlanguage = \"en\"\n"),
    )
    .expect("config");
    std::fs::write(pb.path(FILE), two_links(&web, "")).expect("write");
    let (code, out) = check_links(&pb, &[]);
    assert_eq!(code, Some(0), "{out:?}");
    let all = out.join("\n");
    assert!(
        all.contains("ok (200)") && all.contains("error code 404"),
        "{all}"
    );
    assert!(
        all.contains("links: 1 ok, 0 redirected, 1 broken, 0 not checked"),
        "{all}"
    );
}

#[test]
fn images_wider_than_the_column_or_heavier_than_200_kb_get_a_warning() {
    let web = WebServer::start();
    let issue = format!(
        "---\nsubject: Beelden\n---\nIntro.\n\n## Foto's\n\n![breed]({wide})\n\n![zwaar]({heavy})\n\n![klein]({small})\n",
        wide = web.url("/wide.png"),
        heavy = web.url("/heavy.png"),
        small = web.url("/image.png"),
    );
    let pb = Postbode::new("smtp://127.0.0.1:1", "");
    std::fs::write(pb.path(FILE), &issue).expect("write issue");
    let (code, out) = check_links(&pb, &[]);
    let all = out.join("\n");
    assert_eq!(
        code,
        Some(0),
        "image warnings do not fail the check:\n{all}"
    );
    let warning_at = |url: &str, line: usize| -> &str {
        let prefix = format!("{FILE}:{line}:");
        out.iter()
            .find(|l| l.starts_with(&prefix) && l.contains("waarschuwing") && l.contains(url))
            .unwrap_or_else(|| panic!("no warning about {url} at {prefix} in:\n{all}"))
    };
    let wide = warning_at(&web.url("/wide.png"), 8);
    assert!(
        wide.contains("1200 px breed") && wide.contains("kolom van 552 px"),
        "{wide}"
    );
    let heavy = warning_at(&web.url("/heavy.png"), 10);
    assert!(
        heavy.contains("352 KB") && heavy.contains("200 KB"),
        "{heavy}"
    );
    assert!(
        !out.iter()
            .any(|l| l.contains("waarschuwing") && l.contains("/image.png")),
        "a small image is fine:\n{all}"
    );
    let most = web.requests().iter().map(|(_, _, n)| *n).max().unwrap_or(0);
    assert_eq!(most, 1, "measuring images keeps to one request per host");
}
