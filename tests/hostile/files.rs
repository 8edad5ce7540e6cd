//! Hostile issue files, tried from outside with real processes on real sockets:
//! `postbode check` and `postbode serve` (with aiosmtpd as the mail server and
//! the installation's own SQLite database) get files nested thousands of levels
//! deep (Markdown quotes, HTML in Markdown, raw MJML), a 50 MB file, a file just
//! over a configured size limit, a symlink to the configuration, a FIFO, a
//! Latin-1 file and a broken YAML file. Each one is refused with a message at
//! `file:line:col` that says what to do; `check` exits with code 1 instead of
//! being killed by a signal or hanging; the daemon stays up (same process,
//! `/healthz` 200), marks the issue `invalid` with that message in
//! `postbode status --json`, stores nothing of a refused file, and sends the
//! valid issues beside it exactly once to every subscriber. The tests at the
//! end reproduce what this suite found first: tag names the first nesting
//! check did not count, and text just under the limit blamed on the layout.

use crate::common::{BIN, Postbode, SmtpServer, TEST_KEY, soon};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The deepest nesting postbode accepts (`render::nesting::MAX_DEPTH`).
const MAX_DEPTH: usize = 64;

/// The subscribers of every daemon here.
const READERS: &[&str] = &["anouk@example.nl", "bram@example.nl", "chris@example.nl"];

/// Retries after 1 s instead of a minute, as an operator would set it.
const FAST_RETRY: &[(&str, &str)] = &[("POSTBODE_SMTP__RETRY_BASE_SECS", "1")];

/// How long a `postbode check` may take before it counts as hanging.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------
// Fixtures

/// An issue that passes every check, scheduled at `send_at`.
fn valid_issue(subject: &str, send_at: &str) -> String {
    format!(
        "---\nsubject: {subject}\nsend_at: {send_at}\n---\nBeste {{{{ subscriber.name }}}},\n\nGewoon nieuws: {subject}.\n"
    )
}

/// A valid issue without `send_at`: it stays a draft.
fn draft_issue(subject: &str) -> String {
    format!("---\nsubject: {subject}\n---\nGewone tekst van {subject}.\n")
}

/// Line of the deep run in every deep fixture below (1-based).
const DEEP_LINE: usize = 6;

/// 3,000 nested `>` quotes on line 6 of a Markdown issue.
fn deep_quotes() -> String {
    format!(
        "---\nsubject: Te diep geciteerd\n---\nBeste lezer,\n\n{}onderaan\n",
        "> ".repeat(3000)
    )
}

/// 5,000 nested `<div>` on line 6 of a Markdown issue.
fn deep_divs() -> String {
    format!(
        "---\nsubject: Te diep in HTML\n---\nBeste lezer,\n\n{}binnenin\n",
        "<div>".repeat(5000)
    )
}

/// A raw MJML issue with 3,000 nested `<mj-wrapper>` on line 6.
fn deep_wrappers() -> String {
    format!(
        "---\nsubject: Te diep in MJML\n---\n<mjml>\n  <mj-body>\n{}\n  </mj-body>\n</mjml>\n",
        "<mj-wrapper>".repeat(3000)
    )
}

/// Line of the deep run in [`deep_mj_text`].
const MJ_TEXT_LINE: usize = 9;

/// A raw MJML issue with 3,000 nested `<div>` inside `<mj-text>`, on line 9.
fn deep_mj_text() -> String {
    format!(
        "---\nsubject: Te diep in tekst\n---\n<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>\n{}\n        </mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>\n",
        "<div>".repeat(3000)
    )
}

/// A valid issue (a draft) of exactly `bytes` bytes.
fn issue_of_size(subject: &str, bytes: usize) -> String {
    let head = format!("---\nsubject: {subject}\n---\n");
    let line = "Een regel tekst om het nummer langer te maken.\n";
    let mut text = head;
    while text.len() + line.len() <= bytes {
        text.push_str(line);
    }
    let rest = bytes - text.len();
    text.push_str(&"x".repeat(rest));
    assert_eq!(text.len(), bytes);
    text
}

/// Writes a valid-looking Markdown issue of exactly `bytes` bytes to `path`,
/// without holding it in memory.
fn write_big_issue(path: &Path, bytes: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create big file"));
    let head = "---\nsubject: Veel te groot\n---\n";
    f.write_all(head.as_bytes()).expect("write");
    let line = [b"Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".as_slice(); 16]
        .concat()
        .into_iter()
        .chain(*b"\n")
        .collect::<Vec<u8>>();
    let mut left = bytes - head.len() as u64;
    while left > 0 {
        let n = left.min(line.len() as u64) as usize;
        f.write_all(&line[..n]).expect("write");
        left -= n as u64;
    }
    f.flush().expect("flush");
    drop(f);
    assert_eq!(std::fs::metadata(path).expect("meta").len(), bytes);
}

/// Puts bytes into `newsletters/{name}` as an editor's program saves:
/// under a hidden temp name first, then renamed into place.
fn drop_bytes(pb: &Postbode, name: &str, bytes: &[u8]) {
    let tmp = pb.path(&format!("newsletters/.{name}.tmp"));
    std::fs::write(&tmp, bytes).expect("write issue");
    std::fs::rename(&tmp, pb.path(&format!("newsletters/{name}"))).expect("rename issue");
}

/// Drops several files at the same moment: all written under temp names,
/// then renamed into place one right after the other.
fn drop_together(pb: &Postbode, files: &[(&str, &str)]) {
    for (name, content) in files {
        std::fs::write(pb.path(&format!("newsletters/.{name}.tmp")), content).expect("write");
    }
    for (name, _) in files {
        std::fs::rename(
            pb.path(&format!("newsletters/.{name}.tmp")),
            pb.path(&format!("newsletters/{name}")),
        )
        .expect("rename");
    }
}

// ---------------------------------------------------------------------------
// `postbode check`

/// What one `postbode check` run did.
struct Checked {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: Vec<String>,
    took: Duration,
}

impl Checked {
    /// Exit code 1: refused, and not killed by a signal (a stack overflow is SIGABRT).
    fn assert_refused(&self) {
        assert_eq!(
            self.signal, None,
            "check was killed by signal {:?}; stderr: {:?}",
            self.signal, self.stderr
        );
        assert_eq!(
            self.code,
            Some(1),
            "check must exit 1; stdout: {}; stderr: {:?}",
            self.stdout,
            self.stderr
        );
    }

    fn assert_passed(&self) {
        assert_eq!(
            (self.code, self.signal),
            (Some(0), None),
            "check must pass; stdout: {}; stderr: {:?}",
            self.stdout,
            self.stderr
        );
    }
}

/// Runs `postbode check FILES…` in the installation with extra environment;
/// a run longer than [`CHECK_TIMEOUT`] is killed and fails the test (a hang).
fn check(pb: &Postbode, files: &[&str], env: &[(&str, &str)]) -> Checked {
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("check")
        .args(files)
        .current_dir(pb.dir.path())
        .env("POSTBODE_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run postbode check");
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("stdout")));
    let err = reader(Box::new(child.stderr.take().expect("stderr")));
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for check") {
            break s;
        }
        if started.elapsed() > CHECK_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("postbode check {files:?} hung for more than {CHECK_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    Checked {
        code: status.code(),
        signal: status.signal(),
        stdout: out.join().expect("stdout"),
        stderr: err
            .join()
            .expect("stderr")
            .lines()
            .map(String::from)
            .collect(),
        took,
    }
}

/// An installation for `check`, which needs no mail server.
fn installation() -> Postbode {
    Postbode::new("smtp://127.0.0.1:9", "")
}

/// The one line of `lines` that reports `newsletters/{name}:LINE:COL: ` and
/// says `says`, as (line, col, the whole line). Paths may be relative
/// (`check`) or absolute (the daemon).
fn located(lines: &[String], name: &str, says: &str) -> (usize, usize, String) {
    let prefix = format!("newsletters/{name}:");
    let found: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains(&prefix) && l.contains(says))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one message for {name} saying {says:?}, got: {lines:#?}"
    );
    let l = found[0];
    let after = &l[l.find(&prefix).expect("prefix") + prefix.len()..];
    let mut parts = after.splitn(3, ':');
    let num = |p: Option<&str>| -> usize {
        p.and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no line:col after {prefix} in {l:?}"))
    };
    let line = num(parts.next());
    let col = num(parts.next());
    assert!(
        parts.next().is_some_and(|m| m.starts_with(' ')),
        "not `file:line:col: message`: {l:?}"
    );
    (line, col, l.clone())
}

/// Byte offset in `text` of 1-based `line` and `col` (columns in characters).
fn offset_of(text: &str, line: usize, col: usize) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let in_line = text[start..]
        .char_indices()
        .nth(col - 1)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("{line}:{col} is past the end of its line"));
    start + in_line
}

/// How many tags are open at the tag starting at `line:col` (it included),
/// for fixtures that only open tags; asserts a tag starts there.
fn tags_open_at(text: &str, line: usize, col: usize) -> usize {
    let at = offset_of(text, line, col);
    assert!(
        text[at..].starts_with('<'),
        "{line}:{col} is not the start of a tag: {:?}",
        &text[at..text.len().min(at + 20)]
    );
    let through = &text[..=at];
    through
        .match_indices('<')
        .filter(|(i, _)| {
            text[i + 1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
        })
        .count()
}

/// Asserts `check` refuses the deep `text`, saved as `name`, with exit code 1 and a
/// message at `DEEP`-line that says it nests more than 64 levels; returns (line, col).
fn check_refuses_deep(name: &str, text: &str) -> (usize, usize) {
    let pb = installation();
    pb.write_issue(name, text);
    let c = check(&pb, &[&format!("newsletters/{name}")], &[]);
    c.assert_refused();
    let (line, col, msg) = located(&c.stderr, name, "more than 64 levels");
    assert!(msg.contains("remove the extra levels"), "{msg}");
    assert!(c.stdout.is_empty(), "nothing is ok: {}", c.stdout);
    (line, col)
}

// ---------------------------------------------------------------------------
// The daemon

/// An installation with [`READERS`] subscribed, serving.
fn daemon(smtp: &SmtpServer) -> Postbode {
    let mut pb = Postbode::new(&smtp.url(), "");
    for r in READERS {
        pb.add(r, "", &[], &[]);
    }
    pb.serve_with_env(FAST_RETRY);
    pb
}

/// The process id of this installation's `postbode serve`: the one process
/// running the binary with `serve` in the installation's folder.
fn serve_pid(pb: &Postbode) -> u32 {
    let dir = pb.dir.path().canonicalize().expect("canonical dir");
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc") {
        let Ok(e) = e else { continue };
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cwd) = std::fs::read_link(e.path().join("cwd")) else {
            continue;
        };
        let Ok(cmd) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmd.split(|b| *b == 0).collect();
        if cwd == dir && args.get(1) == Some(&b"serve".as_slice()) {
            found.push(pid);
        }
    }
    assert_eq!(found.len(), 1, "expected one `postbode serve` in {dir:?}");
    found[0]
}

/// `GET /healthz` on the daemon's port, spoken by hand: (status code, body).
fn healthz(pb: &Postbode) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", pb.http_port)).unwrap_or_else(|e| {
        panic!(
            "nothing listens on {}: {e}; log:\n{}",
            pb.http_port,
            tail(pb)
        )
    });
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        s,
        "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
        pb.http_port
    )
    .expect("send request");
    let mut reply = String::new();
    s.read_to_string(&mut reply)
        .unwrap_or_else(|e| panic!("no answer from /healthz: {e}; log:\n{}", tail(pb)));
    let code = reply
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP reply: {reply:?}"));
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (code, body)
}

/// The last lines of the daemon's log, for failure messages.
fn tail(pb: &Postbode) -> String {
    let log = pb.log();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// The daemon started as `pid` is still running (not exited, not a zombie),
/// answers `/healthz` with 200, and its log shows no crash.
fn assert_still_up(pb: &Postbode, pid: u32) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap_or_else(|_| panic!("postbode serve ({pid}) is gone; log:\n{}", tail(pb)));
    let state = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .unwrap_or("?");
    assert!(
        state != "Z" && state != "X",
        "postbode serve ({pid}) exited; log:\n{}",
        tail(pb)
    );
    assert_eq!(serve_pid(pb), pid, "another serve process took its place");
    let (code, body) = healthz(pb);
    assert_eq!(code, 200, "/healthz: {body}; log:\n{}", tail(pb));
    let log = pb.log();
    for crash in ["overflowed its stack", "fatal runtime error", "panicked"] {
        assert!(!log.contains(crash), "the log shows {crash:?}:\n{log}");
    }
}

/// Waits until the issue is `invalid` and returns its error lines.
fn invalid_errors(pb: &Postbode, slug: &str) -> Vec<String> {
    let i = pb.wait_issue(slug, "invalid", 20);
    let errors: Vec<String> = i["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors array: {i}"))
        .iter()
        .map(|e| e.as_str().expect("error text").to_string())
        .collect();
    assert!(!errors.is_empty(), "invalid without errors: {i}");
    errors
}

/// The issue `slug` is sent, and every reader got the message with `subject`
/// exactly once (and nobody else got it).
fn assert_sent_once_to_each(pb: &Postbode, smtp: &SmtpServer, slug: &str, subject: &str) {
    pb.wait_issue(slug, "sent", 40);
    let end = Instant::now() + Duration::from_secs(10);
    while smtp.with_subject(subject).len() < READERS.len() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(100));
    }
    // Time for a duplicate to show up, if one were on its way.
    std::thread::sleep(Duration::from_secs(1));
    let mut per_reader: BTreeMap<String, usize> = BTreeMap::new();
    for r in smtp.recipients_of(subject) {
        *per_reader.entry(r).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = READERS.iter().map(|r| (r.to_string(), 1)).collect();
    assert_eq!(
        per_reader,
        expected,
        "messages per recipient for {subject:?}; log:\n{}",
        tail(pb)
    );
}

// ---------------------------------------------------------------------------
// 1. Deep Markdown quotes, `check`

#[test]
fn check_refuses_3000_nested_quotes_at_the_quote_that_passes_the_limit() {
    let text = deep_quotes();
    let (line, col) = check_refuses_deep("diep.md", &text);
    assert_eq!(line, DEEP_LINE, "the line of the quotes");
    // Every level is "> ": the 65th `>` starts at column 2 × 64 + 1.
    assert_eq!(col, 2 * MAX_DEPTH + 1, "at the 65th quote");
    assert_eq!(&text[offset_of(&text, line, col)..][..1], ">");
}

// 2. The same file in a running daemon, beside a valid scheduled issue

#[test]
fn serve_survives_3000_nested_quotes_and_sends_the_issue_beside_them_once() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    let subject = "Platformnieuws naast een diepe";
    drop_together(
        &pb,
        &[
            ("diep.md", &deep_quotes()),
            ("naast.md", &valid_issue(subject, &soon(5))),
        ],
    );
    let errors = invalid_errors(&pb, "diep");
    let (line, col, _) = located(&errors, "diep.md", "more than 64 levels");
    assert_eq!((line, col), (DEEP_LINE, 2 * MAX_DEPTH + 1), "{errors:?}");
    assert_sent_once_to_each(&pb, &smtp, "naast", subject);
    assert!(
        smtp.with_subject("Te diep geciteerd").is_empty(),
        "the deep issue was sent"
    );
    assert_still_up(&pb, pid);
    assert_eq!(pb.issue_status("diep").expect("diep")["status"], "invalid");
}

// 3. 5,000 nested <div> in Markdown

#[test]
fn check_refuses_5000_nested_divs_in_markdown_where_they_pass_the_limit() {
    let text = deep_divs();
    let (line, col) = check_refuses_deep("divs.md", &text);
    assert_eq!(line, DEEP_LINE, "the line of the divs");
    // At a `<div>` near the 64th (the HTML block itself may count as a level),
    // not at the start or the end of the line.
    let open = tags_open_at(&text, line, col);
    assert!(
        (MAX_DEPTH - 2..=MAX_DEPTH + 1).contains(&open),
        "{line}:{col} is the {open}th <div>"
    );
}

#[test]
fn serve_survives_5000_nested_divs_in_markdown() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    pb.drop_issue("divs.md", &deep_divs());
    let errors = invalid_errors(&pb, "divs");
    let (line, _, _) = located(&errors, "divs.md", "more than 64 levels");
    assert_eq!(line, DEEP_LINE, "{errors:?}");
    // The watcher goes on with the next file.
    pb.drop_issue("daarna.md", &draft_issue("Daarna"));
    pb.wait_issue("daarna", "draft", 20);
    assert_still_up(&pb, pid);
}

// 4. Raw MJML nested 3,000 deep

#[test]
fn check_refuses_3000_nested_mj_wrappers_and_divs_in_mj_text_at_the_65th_tag() {
    let text = deep_wrappers();
    let (line, col) = check_refuses_deep("wrappers.mjml", &text);
    assert_eq!(line, DEEP_LINE);
    // <mjml> and <mj-body> are levels 1 and 2: the 63rd <mj-wrapper> is level 65.
    assert_eq!(
        tags_open_at(&text, line, col),
        MAX_DEPTH + 1,
        "{line}:{col}"
    );
    assert!(text[offset_of(&text, line, col)..].starts_with("<mj-wrapper>"));

    let text = deep_mj_text();
    let (line, col) = check_refuses_deep("tekst.mjml", &text);
    assert_eq!(line, MJ_TEXT_LINE);
    // Five MJML levels, then the 60th <div> is level 65.
    assert_eq!(
        tags_open_at(&text, line, col),
        MAX_DEPTH + 1,
        "{line}:{col}"
    );
    assert!(text[offset_of(&text, line, col)..].starts_with("<div>"));
}

#[test]
fn serve_survives_3000_nested_mj_wrappers_in_a_raw_mjml_issue() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    let subject = "Platformnieuws naast diepe MJML";
    drop_together(
        &pb,
        &[
            ("wrappers.mjml", &deep_wrappers()),
            ("tekst.mjml", &deep_mj_text()),
            ("naast.md", &valid_issue(subject, &soon(5))),
        ],
    );
    let errors = invalid_errors(&pb, "wrappers");
    let (line, _, _) = located(&errors, "wrappers.mjml", "more than 64 levels");
    assert_eq!(line, DEEP_LINE, "{errors:?}");
    let errors = invalid_errors(&pb, "tekst");
    let (line, _, _) = located(&errors, "tekst.mjml", "more than 64 levels");
    assert_eq!(line, MJ_TEXT_LINE, "{errors:?}");
    assert_sent_once_to_each(&pb, &smtp, "naast", subject);
    assert_still_up(&pb, pid);
}

// 5. A 50 MB issue file

const FIFTY_MB: u64 = 50 * 1024 * 1024;

#[test]
fn check_refuses_a_50_mb_file_quickly_naming_its_size_and_the_limit() {
    let pb = installation();
    write_big_issue(&pb.path("newsletters/groot.md"), FIFTY_MB);
    let c = check(&pb, &["newsletters/groot.md"], &[]);
    c.assert_refused();
    let (line, col, msg) = located(&c.stderr, "groot.md", "limits.issue_file_bytes");
    assert_eq!((line, col), (1, 1), "{msg}");
    assert!(
        msg.contains("51200 KB") && msg.contains("1024 KB"),
        "size and limit in KB: {msg}"
    );
    assert!(
        c.took < Duration::from_secs(5),
        "refusing took {:?}",
        c.took
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_marks_a_50_mb_file_invalid_stores_none_of_it_and_sends_the_issue_beside_it() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    let subject = "Platformnieuws naast een grote";
    let hidden = pb.path("newsletters/.groot.md.tmp");
    write_big_issue(&hidden, FIFTY_MB);
    std::fs::rename(&hidden, pb.path("newsletters/groot.md")).expect("rename");
    pb.drop_issue("naast.md", &valid_issue(subject, &soon(5)));

    let errors = invalid_errors(&pb, "groot");
    let (line, col, msg) = located(&errors, "groot.md", "limits.issue_file_bytes");
    assert_eq!((line, col), (1, 1), "{msg}");
    assert!(msg.contains("51200 KB"), "{msg}");
    assert_sent_once_to_each(&pb, &smtp, "naast", subject);
    assert_still_up(&pb, pid);

    let db = pb.sqlite().await;
    let (len,): (i64,) = sqlx::query_as("SELECT length(source) FROM issues WHERE slug = 'groot'")
        .fetch_one(&db)
        .await
        .expect("the groot row");
    db.close().await;
    assert!(len < 1024, "{len} bytes of the refused file were stored");
}

// 6. The limit is configurable

#[test]
fn the_size_limit_is_set_by_environment_or_config() {
    let pb = installation();
    pb.write_issue("drie-kb.md", &issue_of_size("Drie kilobyte", 3000));
    let file = "newsletters/drie-kb.md";

    check(&pb, &[file], &[]).assert_passed();

    let c = check(
        &pb,
        &[file],
        &[("POSTBODE_LIMITS__ISSUE_FILE_BYTES", "2048")],
    );
    c.assert_refused();
    let (line, col, msg) = located(&c.stderr, "drie-kb.md", "limits.issue_file_bytes");
    assert_eq!((line, col), (1, 1), "{msg}");
    assert!(msg.contains("3 KB") && msg.contains("2 KB"), "{msg}");
    assert!(c.stdout.is_empty(), "{}", c.stdout);

    // The same limit in postbode.toml.
    let pb = Postbode::new(
        "smtp://127.0.0.1:9",
        "\n[limits]\nissue_file_bytes = 2048\n",
    );
    pb.write_issue("drie-kb.md", &issue_of_size("Drie kilobyte", 3000));
    let c = check(&pb, &[file], &[]);
    c.assert_refused();
    located(&c.stderr, "drie-kb.md", "3 KB, more than the 2 KB");
    // A file under it passes.
    pb.write_issue("klein.md", &issue_of_size("Klein", 2000));
    check(&pb, &["newsletters/klein.md"], &[]).assert_passed();
}

// 7. A symlink to the configuration

#[tokio::test(flavor = "multi_thread")]
async fn a_symlink_to_the_config_is_refused_and_no_secret_reaches_the_database() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    std::os::unix::fs::symlink("../postbode.toml", pb.path("newsletters/geheim.md"))
        .expect("symlink");
    // The link resolves: a reader following it would get the keys.
    let through = std::fs::read_to_string(pb.path("newsletters/geheim.md")).expect("via link");
    assert!(through.contains(TEST_KEY));
    pb.drop_issue("gewoon.md", &draft_issue("Gewoon"));

    let errors = invalid_errors(&pb, "geheim");
    let (line, col, msg) = located(&errors, "geheim.md", "is a link");
    assert_eq!((line, col), (1, 1), "{msg}");
    pb.wait_issue("gewoon", "draft", 20);
    assert_still_up(&pb, pid);

    let status = pb.ok(&["status", "--json"]);
    assert!(!status.contains(TEST_KEY), "status shows the key: {status}");

    let db = pb.sqlite().await;
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT slug, source, subject, errors FROM issues")
            .fetch_all(&db)
            .await
            .expect("issues");
    db.close().await;
    // The query sees the stored texts: the valid issue's text is there.
    assert!(
        rows.iter()
            .any(|(slug, source, _, _)| slug == "gewoon" && source.contains("Gewone tekst")),
        "{:?}",
        rows.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    for (slug, source, subject, errors) in &rows {
        for secret in [
            "token_keys",
            TEST_KEY,
            "admin_token",
            crate::common::TEST_ADMIN_TOKEN,
        ] {
            for (column, value) in [("source", source), ("subject", subject), ("errors", errors)] {
                assert!(
                    !value.contains(secret),
                    "issues.{column} of {slug} contains {secret:?}"
                );
            }
        }
    }
}

// 8. A FIFO

#[test]
fn a_fifo_does_not_hang_check_or_the_daemon() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    let made = Command::new("mkfifo")
        .arg(pb.path("newsletters/pijp.md"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    // Dropped after the pipe, which nobody ever writes to.
    std::thread::sleep(Duration::from_millis(600));
    let subject = "Platformnieuws na de pijp";
    pb.drop_issue("na-pijp.md", &valid_issue(subject, &soon(5)));

    let errors = invalid_errors(&pb, "pijp");
    let (line, col, msg) = located(&errors, "pijp.md", "not an ordinary file");
    assert_eq!((line, col), (1, 1), "{msg}");
    assert_sent_once_to_each(&pb, &smtp, "na-pijp", subject);
    assert_still_up(&pb, pid);

    let c = check(&pb, &["newsletters/pijp.md"], &[]);
    c.assert_refused();
    let (line, col, _) = located(&c.stderr, "pijp.md", "not an ordinary file");
    assert_eq!((line, col), (1, 1));
}

// 9. Latin-1 instead of UTF-8

/// `subject: Café…` with `é` as the Latin-1 byte 0xE9: column 13 of line 2.
fn latin1_issue() -> Vec<u8> {
    let mut b = b"---\nsubject: Caf".to_vec();
    b.push(0xE9);
    b.extend_from_slice(b" de la Paix\n---\nBeste lezer, tot in het caf");
    b.push(0xE9);
    b.extend_from_slice(b".\n");
    b
}

#[test]
fn check_points_at_the_first_latin1_byte_and_asks_for_utf8() {
    let pb = installation();
    std::fs::write(pb.path("newsletters/latin.md"), latin1_issue()).expect("write");
    let c = check(&pb, &["newsletters/latin.md"], &[]);
    c.assert_refused();
    let (line, col, msg) = located(&c.stderr, "latin.md", "UTF-8");
    assert_eq!((line, col), (2, "subject: Caf".len() + 1), "{msg}");
    assert!(msg.contains("save it as UTF-8"), "{msg}");
}

#[test]
fn serve_marks_a_latin1_file_invalid_and_carries_on() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    drop_bytes(&pb, "latin.md", &latin1_issue());
    let subject = "Platformnieuws in UTF-8";
    pb.drop_issue("utf8.md", &valid_issue(subject, &soon(5)));

    let errors = invalid_errors(&pb, "latin");
    let (line, col, _) = located(&errors, "latin.md", "save it as UTF-8");
    assert_eq!((line, col), (2, 13), "{errors:?}");
    assert_sent_once_to_each(&pb, &smtp, "utf8", subject);
    assert_still_up(&pb, pid);
}

// 10. A broken file and a valid one at the same moment

#[test]
fn a_broken_file_dropped_with_a_valid_one_does_not_hold_it_up() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    let subject = "Platformnieuws naast een kapotte";
    let broken = format!("---\nsubject: [kapot\nsend_at: {}\n---\nTekst.\n", soon(5));
    drop_together(
        &pb,
        &[
            ("kapot.md", &broken),
            ("heel.md", &valid_issue(subject, &soon(5))),
        ],
    );
    let errors = invalid_errors(&pb, "kapot");
    let (line, col, _) = located(&errors, "kapot.md", "aanhalingstekens");
    // At `[kapot`: line 2, after `subject: `.
    assert_eq!((line, col), (2, "subject: ".len() + 1), "{errors:?}");
    assert_sent_once_to_each(&pb, &smtp, "heel", subject);
    assert!(smtp.with_subject("[kapot").is_empty());
    assert_still_up(&pb, pid);
}

// 11. `check` with several files

#[test]
fn check_with_a_good_and_a_deep_file_reports_both_in_either_order() {
    let pb = installation();
    pb.write_issue("goed.md", &valid_issue("Goed nummer", &soon(3600)));
    pb.write_issue("diep.md", &deep_quotes());
    for files in [
        ["newsletters/goed.md", "newsletters/diep.md"],
        ["newsletters/diep.md", "newsletters/goed.md"],
    ] {
        let c = check(&pb, &files, &[]);
        c.assert_refused();
        assert!(
            c.stdout.contains("in orde: newsletters/goed.md"),
            "{files:?}: no ok for the good file: {}",
            c.stdout
        );
        assert!(!c.stdout.contains("diep.md"), "{}", c.stdout);
        let (line, col, _) = located(&c.stderr, "diep.md", "more than 64 levels");
        assert_eq!((line, col), (DEEP_LINE, 2 * MAX_DEPTH + 1), "{files:?}");
        assert!(
            // Warnings (no preheader) are no errors.
            !c.stderr
                .iter()
                .any(|l| l.contains("goed.md") && !l.contains(": waarschuwing: ")),
            "{files:?}: {:?}",
            c.stderr
        );
    }
}

// ---------------------------------------------------------------------------
// What this suite found first.

/// 100,000 nested tags whose names the nesting check does not see as tags
/// (`<_>`, `<é>`) but mrml does: in `<mj-text>` of a raw MJML issue, and in a
/// Markdown HTML block, whose text reaches the layout's `<mj-text>` as it is.
fn unseen_tag_fixtures() -> Vec<(&'static str, String, usize)> {
    let mjml = |tag: &str| {
        format!(
            "---\nsubject: Onzichtbaar diep\n---\n<mjml>\n<mj-body><mj-section><mj-column><mj-text>\n{}\n</mj-text></mj-column></mj-section></mj-body>\n</mjml>\n",
            tag.repeat(100_000)
        )
    };
    vec![
        ("onderstreept.mjml", mjml("<_>"), 6),
        ("accent.mjml", mjml("<é>"), 6),
        (
            "blok.md",
            format!(
                "---\nsubject: Onzichtbaar diep\n---\nBeste lezer,\n\n<div>{}\n",
                "<_>".repeat(100_000)
            ),
            DEEP_LINE,
        ),
    ]
}

#[test]
fn check_refuses_100000_nested_tags_the_nesting_check_does_not_count() {
    for (name, text, line) in unseen_tag_fixtures() {
        let (at, _) = check_refuses_deep(name, &text);
        assert_eq!(at, line, "{name}");
    }
}

#[test]
fn serve_survives_100000_nested_tags_the_nesting_check_does_not_count() {
    let smtp = SmtpServer::start(&[]);
    let pb = daemon(&smtp);
    let pid = serve_pid(&pb);
    let (name, text, _) = unseen_tag_fixtures().pop().expect("blok.md");
    let subject = "Platformnieuws naast onzichtbaar diep";
    drop_together(
        &pb,
        &[(name, &text), ("naast.md", &valid_issue(subject, &soon(5)))],
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_still_up(&pb, pid);
    let errors = invalid_errors(&pb, "blok");
    located(&errors, name, "more than 64 levels");
    assert_sent_once_to_each(&pb, &smtp, "naast", subject);
}

#[test]
fn markdown_just_under_the_limit_is_never_blamed_on_the_layout() {
    let pb = installation();
    for (name, text) in [
        (
            "tief.md",
            format!(
                "---\nsubject: Tief\n---\nBeste lezer,\n\n{}tekst\n",
                "> ".repeat(60)
            ),
        ),
        (
            "tiefe-divs.md",
            format!(
                "---\nsubject: Tief\n---\nBeste lezer,\n\n{}tekst{}\n",
                "<div>".repeat(60),
                "</div>".repeat(60)
            ),
        ),
    ] {
        pb.write_issue(name, &text);
        let c = check(&pb, &[&format!("newsletters/{name}")], &[]);
        assert_eq!(c.signal, None, "{name}: {:?}", c.stderr);
        // 60 levels is within the limit: the issue passes, or (if the layout's own
        // levels count) it is refused at its own line, never at the layout.
        for l in c.stderr.iter().filter(|l| !l.contains(": waarschuwing: ")) {
            assert!(
                l.starts_with(&format!("newsletters/{name}:{DEEP_LINE}:")),
                "{name}: a message not at the issue's deep line: {l}"
            );
        }
    }
}
