//! Shared test helpers: a real SMTP server (aiosmtpd, tests/support/smtp_server.py),
//! a `postbode` process in its own folder with its own SQLite database and ports,
//! and a real MIME parser (mail-parser) for what arrived.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_postbode");
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub fn python() -> String {
    std::env::var("POSTBODE_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// aiosmtpd storing each message as a file.
pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

/// One message as the SMTP server received it.
pub struct Received {
    pub rcpt: String,
    pub raw: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a MIME message")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed().header_raw(name).map(|v| v.trim().to_string())
    }

    pub fn html(&self) -> String {
        self.parsed()
            .body_html(0)
            .map(|s| s.into_owned())
            .unwrap_or_default()
    }

    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|s| s.into_owned())
            .unwrap_or_default()
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    /// The first link in the text part that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        self.text()
            .split_whitespace()
            .find(|w| w.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix}… link in {}", self.text()))
            .to_string()
    }

    /// The URL inside `List-Unsubscribe: <…>`.
    pub fn unsubscribe_url(&self) -> String {
        let h = self
            .header("List-Unsubscribe")
            .expect("List-Unsubscribe header");
        h.trim_start_matches('<').trim_end_matches('>').to_string()
    }
}

impl SmtpServer {
    pub fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut all = vec![dir.path().display().to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        let (child, port) = python_server("smtp_server.py", &all);
        Self { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The stored messages' files, in the order they arrived.
    pub fn message_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("read dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files
    }

    /// Every message with its envelope sender (MAIL FROM; empty for `<>`).
    pub fn messages_with_senders(&self) -> Vec<(String, Received)> {
        let files = self.message_files();
        let senders = files
            .iter()
            .map(|p| std::fs::read_to_string(p.with_extension("from")).expect("MAIL FROM file"));
        senders.zip(Self::read_messages(files.clone())).collect()
    }

    /// How many messages arrived, without reading them.
    pub fn count(&self) -> usize {
        self.message_files().len()
    }

    pub fn messages(&self) -> Vec<Received> {
        Self::read_messages(self.message_files())
    }

    fn read_messages(files: Vec<PathBuf>) -> Vec<Received> {
        files
            .into_iter()
            .map(|p| {
                let bytes = std::fs::read(&p).expect("read message");
                let split = bytes
                    .windows(2)
                    .position(|w| w == b"\r\n")
                    .expect("rcpt line");
                let rcpt = String::from_utf8_lossy(&bytes[..split])
                    .trim_start_matches("X-Test-Rcpt: ")
                    .to_lowercase();
                Received {
                    rcpt,
                    raw: bytes[split + 2..].to_vec(),
                }
            })
            .collect()
    }

    /// The lines "<address> <code>" of every RCPT and DATA the server saw.
    pub fn attempts(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("attempts.log"))
            .unwrap_or_default()
            .lines()
            .map(String::from)
            .collect()
    }

    /// Waits until at least `n` messages arrived (or panics after `secs`).
    pub fn wait_for(&self, n: usize, secs: u64) -> Vec<Received> {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(
                Instant::now() < end,
                "expected {n} messages, got {} after {secs}s",
                m.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `tests/support/{script}` with `args`; it prints `PORT n` once it
/// listens. Returns the process and that port.
pub fn python_server(script: &str, args: &[String]) -> (Child, u16) {
    let mut child = Command::new(python())
        .arg(Path::new(ROOT).join("tests/support").join(script))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 {script} (see .ci/run for its packages): {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("PORT line");
    let port = line
        .trim()
        .strip_prefix("PORT ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{script} did not start: {line:?}"));
    (child, port)
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A postbode installation in a temporary folder.
pub struct Postbode {
    pub dir: tempfile::TempDir,
    pub http_port: u16,
    child: Option<Child>,
}

/// The link key of every test installation: 32 random bytes, as hex.
pub const TEST_KEY: &str = "5f0c1b7a9e2d48c3a6b1f09e7d2c4a8b3e6f1d0c9b8a7f6e5d4c3b2a19087f6e";
/// The admin token of every test installation.
pub const TEST_ADMIN_TOKEN: &str =
    "8d1e6b3f0a9c2e5d7b4a1f8c3e6d9b2a5f0e7c4d1b8a3f6e9c2d5b0a7e4f1c8d";

pub const WORKSHOPS: &[(&str, &str)] = &[
    ("arbeid-en-inclusie", "Werkplaats Arbeid en Inclusie"),
    (
        "maatschappelijke-ondersteuning",
        "Werkplaats Maatschappelijke Ondersteuning en Participatie",
    ),
    (
        "transformatie-jeugd",
        "Academische Werkplaats Transformatie Jeugd",
    ),
    ("ontwikkeltafels", "Ontwikkeltafels"),
    ("onderzoeksnetwerk", "Onderzoeksnetwerk"),
    ("leernetwerk-jeugd", "Regionaal Leernetwerk Jeugd"),
    (
        "psychische-gezondheid",
        "Kenniswerkplaats psychische gezondheid",
    ),
];
pub const INTERESTS: &[(&str, &str)] = &[
    ("geweld-in-gezinnen", "Geweld in gezinnen"),
    ("welzijn", "Welzijn in de wijk"),
    (
        "armoede-en-schulden",
        "Armoede, schulden en sociaal isolement",
    ),
    (
        "continuiteit-van-zorg",
        "Continuïteit van zorg en ondersteuning",
    ),
    (
        "gezonde-sociale-omgevingen",
        "Gezonde sociale omgevingen en vitale netwerken",
    ),
    ("toegankelijkheid", "Toegankelijkheid"),
    ("preventie", "Preventie"),
];

/// The address of member `i` of [`Postbode::import_members`].
pub fn member(i: usize) -> String {
    format!("lid{i:04}@example.nl")
}

impl Postbode {
    /// Imports `n` active members, [`member`]`(0)` onward, named "Lid".
    pub fn import_members(&self, n: usize) {
        let mut csv = String::from("email,name,workshops,interests,language,reminders\n");
        for i in 0..n {
            csv.push_str(&format!("{},Lid,,,nl,no\n", member(i)));
        }
        std::fs::write(self.path("leden.csv"), csv).expect("csv");
        self.ok(&[
            "subscribers",
            "import",
            "leden.csv",
            "--confirmed",
            "--consent",
            "test",
        ]);
    }
}

impl Postbode {
    /// A fresh folder with a config pointing at `smtp_url`, the repository's
    /// layouts, an empty `newsletters/` and `extra` appended to the config.
    pub fn new(smtp_url: &str, extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let http_port = free_port();
        copy_dir(&Path::new(ROOT).join("mjml"), &dir.path().join("mjml"));
        std::fs::create_dir_all(dir.path().join("newsletters")).expect("newsletters");
        let mut cfg = format!(
            r#"[platform]
name = "kennisplatform Utrecht Sociaal"
base_url = "http://127.0.0.1:{http_port}"
from = "kUS Platformnieuws <nieuws@kus.example.nl>"
list_id = "platformnieuws.kus.example.nl"
timezone = "Europe/Amsterdam"
editors = []

[database]
url = "sqlite://data/postbode.db"

[smtp]
url = "{smtp_url}"
connections = 4
timeout_secs = 10

[http]
listen = "127.0.0.1:{http_port}"

[secrets]
token_keys = ["{TEST_KEY}"]
admin_token = "{TEST_ADMIN_TOKEN}"
"#
        );
        for (slug, name) in WORKSHOPS {
            cfg.push_str(&format!(
                "\n[[workshops]]\nslug = \"{slug}\"\nname = \"{name}\"\n"
            ));
        }
        for (slug, name) in INTERESTS {
            cfg.push_str(&format!(
                "\n[[interests]]\nslug = \"{slug}\"\nname = \"{name}\"\n"
            ));
        }
        cfg.push_str(extra);
        std::fs::write(dir.path().join("postbode.toml"), cfg).expect("config");
        Self {
            dir,
            http_port,
            child: None,
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// The form token of the sign-up form as `GET /` shows it now, as a
    /// browser would send it back with the form.
    pub async fn form_token(&self) -> String {
        let page = reqwest::get(format!("{}/", self.base_url()))
            .await
            .expect("GET /")
            .text()
            .await
            .expect("the form");
        form_token_in(&page)
    }

    /// POSTs a urlencoded form with extra headers: (status, body).
    pub async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let mut req = reqwest::Client::new()
            .post(format!("{}{path}", self.base_url()))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = req.send().await.expect("POST");
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// Signs up through the form as a browser does (a fresh form token), with
    /// extra headers: (status, page).
    pub async fn sign_up(
        &self,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let token = self.form_token().await;
        let mut fields = fields.to_vec();
        fields.push(("form_token", &token));
        self.post_form("/subscribe", &fields, headers).await
    }

    /// Runs one command to completion in the installation's folder.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .env("POSTBODE_LOG", "warn")
            .output()
            .expect("run postbode")
    }

    /// Like `cli`, asserting success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(
            out.status.success(),
            "postbode {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn add(&self, email: &str, name: &str, workshops: &[&str], interests: &[&str]) {
        let mut args = vec![
            "subscribers",
            "add",
            email,
            "--name",
            name,
            "--confirmed",
            "--consent",
            "test",
        ];
        for w in workshops {
            args.extend(["--workshop", w]);
        }
        for i in interests {
            args.extend(["--interest", i]);
        }
        self.ok(&args);
    }

    /// Starts `postbode serve` and waits until it answers HTTP.
    pub fn serve(&mut self) {
        self.serve_with_env(&[]);
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("serve.log")).unwrap_or_default()
    }

    /// SIGTERM and wait: the graceful path.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &c.id().to_string()])
                .status();
            let end = Instant::now() + Duration::from_secs(20);
            while Instant::now() < end {
                if let Ok(Some(_)) = c.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGKILL: a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Drops a file into `newsletters/` the way an editor's program saves:
    /// written under a temp name, then renamed into place.
    pub fn drop_issue(&self, name: &str, content: &str) {
        let tmp = self.path(&format!("newsletters/.{name}.tmp"));
        std::fs::write(&tmp, content).expect("write issue");
        std::fs::rename(&tmp, self.path(&format!("newsletters/{name}"))).expect("rename issue");
    }

    pub fn status_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["status", "--json"])).expect("status json")
    }

    pub fn issue_status(&self, slug: &str) -> Option<serde_json::Value> {
        self.status_json()["issues"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["slug"] == slug).cloned())
    }

    /// Polls `postbode status` until the issue reaches `status`.
    pub fn wait_issue(&self, slug: &str, status: &str, secs: u64) -> serde_json::Value {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(i) = self.issue_status(slug) {
                if i["status"] == status {
                    return i;
                }
                assert!(
                    Instant::now() < end,
                    "issue {slug} is {} not {status}; log:\n{}",
                    i["status"],
                    self.log()
                );
            } else {
                assert!(
                    Instant::now() < end,
                    "issue {slug} never appeared; log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn subscriber(&self, email: &str) -> serde_json::Value {
        let list: serde_json::Value =
            serde_json::from_str(&self.ok(&["subscribers", "list", "--json"])).expect("json");
        list.as_array()
            .and_then(|a| a.iter().find(|s| s["email"] == email).cloned())
            .unwrap_or_else(|| panic!("no subscriber {email}"))
    }
}

impl Drop for Postbode {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `send_at` a few seconds from now, as RFC 3339.
pub fn soon(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}

impl Postbode {
    /// Like `serve`, with extra environment variables such as
    /// `POSTBODE_SMTP__RETRY_BASE_SECS=1` (the operator's override of a config key).
    /// The log is appended to, so a restarted daemon keeps the earlier run's lines.
    pub fn serve_with_env(&mut self, env: &[(&str, &str)]) {
        assert!(self.child.is_none(), "already serving");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path("serve.log"))
            .expect("log");
        let child = Command::new(BIN)
            .arg("serve")
            .current_dir(self.dir.path())
            .env("POSTBODE_LOG", "info,postbode=debug")
            .envs(env.iter().copied())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn serve");
        self.child = Some(child);
        let end = Instant::now() + Duration::from_secs(30);
        while Instant::now() < end {
            if std::net::TcpStream::connect(("127.0.0.1", self.http_port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve did not start: {}", self.log());
    }

    /// `postbode bounce ARGS` with `input` on stdin, as Postfix's pipe runs
    /// it. Written from another thread: a reader that gave up must not block
    /// the test.
    pub fn bounce(&self, args: &[&str], env: &[(&str, &str)], input: &[u8]) -> Output {
        let mut child = Command::new(BIN)
            .arg("bounce")
            .args(args)
            .current_dir(self.dir.path())
            .env("POSTBODE_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run postbode bounce");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().expect("postbode bounce");
        let _ = writer.join();
        out
    }

    /// Like `cli`, with extra environment variables.
    pub fn cli_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .env("POSTBODE_LOG", "warn")
            .envs(env.iter().copied())
            .output()
            .expect("run postbode")
    }

    /// Writes a file straight into `newsletters/`, without a temp name and rename:
    /// what a simple editor (or a copy over the network) does.
    pub fn write_issue(&self, name: &str, content: &str) {
        std::fs::write(self.path(&format!("newsletters/{name}")), content).expect("write issue");
    }

    /// `postbode check FILE`: (exit code, stderr lines).
    pub fn check(&self, file: &str) -> (Option<i32>, Vec<String>) {
        let out = self.cli(&["check", file]);
        let stderr = String::from_utf8_lossy(&out.stderr)
            .lines()
            .map(String::from)
            .collect();
        (out.status.code(), stderr)
    }

    /// Polls `postbode status --json` until `done` holds for the issue (or panics after `secs`).
    pub fn wait_issue_until(
        &self,
        slug: &str,
        secs: u64,
        what: &str,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(i) = self.issue_status(slug) {
                if done(&i) {
                    return i;
                }
            }
            assert!(
                Instant::now() < end,
                "issue {slug}: expected {what} within {secs}s; status: {:?}; log:\n{}",
                self.issue_status(slug),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl SmtpServer {
    /// The messages whose decoded Subject is `subject`.
    pub fn with_subject(&self, subject: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.subject() == subject)
            .collect()
    }

    /// The envelope recipients of the messages with `subject`, sorted.
    pub fn recipients_of(&self, subject: &str) -> Vec<String> {
        let mut to: Vec<String> = self
            .with_subject(subject)
            .iter()
            .map(|m| m.rcpt.clone())
            .collect();
        to.sort();
        to
    }

    /// The attempts.log lines for one address, in order (e.g. "x@y 451", "x@y 250").
    pub fn attempts_for(&self, address: &str) -> Vec<String> {
        let prefix = format!("{} ", address.to_lowercase());
        self.attempts()
            .into_iter()
            .filter(|l| l.starts_with(&prefix))
            .collect()
    }
}

/// Seconds since the epoch `secs` from now: the value `status --json` shows for `soon(secs)`.
pub fn epoch_soon(secs: i64) -> i64 {
    chrono::Utc::now().timestamp() + secs
}

/// An RFC 3339 `send_at` as epoch seconds.
pub fn epoch_of(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("RFC 3339")
        .timestamp()
}

/// A fresh, empty PostgreSQL database for one test, on the server the machine
/// runs (`POSTBODE_TEST_POSTGRES`, default postgres://postgres@127.0.0.1:5432/test).
/// Returns None (and says so) when no server answers outside CI; in CI it must answer.
pub async fn postgres_database() -> Option<String> {
    use sqlx::Executor;
    let admin = std::env::var("POSTBODE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    sqlx::any::install_default_drivers();
    let pool = match sqlx::AnyPool::connect(&admin).await {
        Ok(p) => p,
        Err(e) if std::env::var("CI").is_err() => {
            eprintln!("skipping the PostgreSQL run: no server at {admin} ({e})");
            return None;
        }
        Err(e) => panic!("PostgreSQL at {admin} is required in CI: {e}"),
    };
    let name = format!("postbode_test_{}", uuid::Uuid::new_v4().simple());
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create database");
    let base = admin
        .rsplit_once('/')
        .map_or(admin.as_str(), |(b, _)| b)
        .to_string();
    Some(format!("{base}/{name}"))
}

/// Drops a database made by [`postgres_database`].
pub async fn postgres_drop(url: &str) {
    use sqlx::Executor;
    let admin = std::env::var("POSTBODE_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = url.rsplit('/').next().unwrap_or_default();
    if let Ok(pool) = sqlx::AnyPool::connect(&admin).await {
        let _ = pool
            .execute(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .await;
    }
}

impl Postbode {
    /// Points the installation at another database (a PostgreSQL URL) instead
    /// of its own SQLite file.
    pub fn use_database(&self, url: &str) {
        let cfg = std::fs::read_to_string(self.path("postbode.toml")).expect("config");
        let cfg = cfg.replace(
            "url = \"sqlite://data/postbode.db\"",
            &format!("url = \"{url}\""),
        );
        std::fs::write(self.path("postbode.toml"), cfg).expect("config");
    }

    /// The installation's SQLite database, for tests that look into or change
    /// what the daemon stored.
    pub async fn sqlite(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&format!(
            "sqlite://{}",
            self.path("data/postbode.db").display()
        ))
        .await
        .expect("open the SQLite database")
    }

    /// Runs one statement on the SQLite database.
    pub async fn sql(&self, statement: &str) {
        use sqlx::Executor;
        let db = self.sqlite().await;
        db.execute(sqlx::AssertSqlSafe(statement.to_string()))
            .await
            .expect(statement);
        db.close().await;
    }
}

/// Typed values for tests that build domain values by hand.
pub mod typed {
    use postbode::domain::email::SubscriberEmail;
    use postbode::domain::name::SubscriberName;
    use postbode::domain::segments::Segments;
    use postbode::domain::slug::Slug;

    pub fn slug(s: &str) -> Slug {
        Slug::parse(s).expect("a slug")
    }

    pub fn email(s: &str) -> SubscriberEmail {
        SubscriberEmail::parse(s).expect("an address")
    }

    pub fn name(s: &str) -> SubscriberName {
        SubscriberName::parse(s).expect("a name")
    }

    pub fn segments(workshops: &[&str], interests: &[&str]) -> Segments {
        Segments::new(
            workshops.iter().map(|s| slug(s)).collect(),
            interests.iter().map(|s| slug(s)).collect(),
        )
    }
}

impl Postbode {
    /// The agenda-mail service of this installation, as the sender has it.
    pub fn agenda_mails(&self) -> postbode::reminders::AgendaMails {
        let config = postbode::config::Config::load(&self.path("postbode.toml")).expect("config");
        let clock: postbode::domain::clock::SharedClock =
            std::sync::Arc::new(postbode::domain::clock::SystemClock);
        let composer = postbode::mail::Composer::new(&config).expect("composer");
        let links = config.links(clock.clone()).expect("link keys");
        postbode::reminders::AgendaMails::new(&config, links, composer, clock)
    }
}

/// The hidden `form_token` field's value in a page with the sign-up form.
pub fn form_token_in(page: &str) -> String {
    let at = page
        .find("name=\"form_token\" value=\"")
        .unwrap_or_else(|| panic!("no form token in the page: {page}"));
    let rest = &page[at + "name=\"form_token\" value=\"".len()..];
    rest[..rest.find('"').expect("closing quote")].to_string()
}

/// A running daemon (with `extra` config) and the SMTP server it sends to.
pub fn serving(extra: &str) -> (SmtpServer, Postbode) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), extra);
    pb.serve();
    (smtp, pb)
}

/// A running daemon with one subscriber, Anouk (workshop
/// arbeid-en-inclusie), who has just received the issue "Platformnieuws
/// december"; and that mail.
pub fn anouk_gets_an_issue(extra: &str) -> (SmtpServer, Postbode, Received) {
    let smtp = SmtpServer::start(&[]);
    let mut pb = Postbode::new(&smtp.url(), extra);
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
    (smtp, pb, mail)
}
