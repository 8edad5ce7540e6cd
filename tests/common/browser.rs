//! A real browser for page tests: Debian's headless Chromium driven through
//! chromedriver's W3C WebDriver protocol (plain JSON over HTTP, spoken with reqwest).
#![allow(dead_code)]

use base64::Engine;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
    /// Where the browser saves downloads.
    pub downloads: tempfile::TempDir,
}

/// Where screenshots go, for a reviewer to look at after the run.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// chromedriver and chromium, or None (with a message) when they are not
/// installed outside CI; in CI they are required.
pub async fn start() -> Option<Browser> {
    let driver_bin = std::env::var("POSTBODE_TEST_CHROMEDRIVER")
        .unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chromium =
        std::env::var("POSTBODE_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !std::path::Path::new(&driver_bin).exists() || !std::path::Path::new(&chromium).exists() {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs {driver_bin} and {chromium} (apt-get install chromium chromium-driver)"
        );
        eprintln!("SKIPPED: no {driver_bin} or {chromium}; install chromium and chromium-driver");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let driver = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let end = Instant::now() + Duration::from_secs(20);
    while http.get(format!("{base}/status")).send().await.is_err() {
        assert!(Instant::now() < end, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tempfile::tempdir().expect("profile");
    let downloads = tempfile::tempdir().expect("downloads");
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        // The console, for what the Content-Security-Policy refused.
        "goog:loggingPrefs": {"browser": "ALL"},
        "goog:chromeOptions": {
            "binary": chromium,
            "prefs": {
                "download.default_directory": downloads.path().display().to_string(),
                "download.prompt_for_download": false
            },
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--disable-quic", "--window-size=412,915",
                     format!("--user-data-dir={}", profile.path().display())]
        }
    }}});
    let resp: Value = http
        .post(format!("{base}/session"))
        .json(&caps)
        .send()
        .await
        .expect("new session")
        .json()
        .await
        .expect("json");
    let session = resp["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no WebDriver session: {resp}"))
        .to_string();
    Some(Browser {
        driver,
        base,
        session,
        http,
        _profile: profile,
        downloads,
    })
}

impl Browser {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut req = self.http.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .expect("webdriver")
            .json()
            .await
            .expect("json");
        if v["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", v["value"]);
        }
        v["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    async fn get_string(&self, path: &str) -> String {
        self.call(reqwest::Method::GET, path, None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn url(&self) -> String {
        self.get_string("/url").await
    }

    pub async fn source(&self) -> String {
        self.get_string("/source").await
    }

    /// The visible text of the page body (retried while a new page replaces the old one).
    pub async fn text(&self) -> String {
        let script =
            json!({"script": "return document.body ? document.body.innerText : '';", "args": []});
        for _ in 0..50 {
            let url = format!("{}/session/{}/execute/sync", self.base, self.session);
            let v: Value = self
                .http
                .post(&url)
                .json(&script)
                .send()
                .await
                .expect("webdriver")
                .json()
                .await
                .expect("json");
            if let Some(t) = v["value"].as_str() {
                return t.to_string();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page text could not be read");
    }

    /// Waits (up to 10 s) until the page shows `needle`: a click on a submit
    /// button returns before the next page has loaded.
    pub async fn wait_for_text(&self, needle: &str) -> String {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let t = self.text().await;
            if t.contains(needle) {
                return t;
            }
            assert!(
                Instant::now() < end,
                "the page never showed {needle:?}; it shows:\n{t}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn find(&self, css: &str) -> String {
        let v = self
            .call(
                reqwest::Method::POST,
                "/element",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Waits (up to 10 s) for a finished download and returns its path: a
    /// visible file while no temporary one (`.org.chromium.*`, `*.crdownload`) is left.
    pub async fn downloaded(&self) -> PathBuf {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let files: Vec<PathBuf> = std::fs::read_dir(self.downloads.path())
                .expect("downloads")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            let partial = |p: &PathBuf| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
                    || p.extension()
                        .is_some_and(|x| x == "crdownload" || x == "tmp")
            };
            if !files.is_empty() && !files.iter().any(partial) {
                return files[0].clone();
            }
            assert!(Instant::now() < end, "nothing was downloaded: {files:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs `script` in the page (WebDriver's own channel, which the page's
    /// policy does not govern) and returns its value.
    pub async fn script(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// The browser console's messages since the last call (chromedriver's log).
    pub async fn console(&self) -> Vec<String> {
        let entries = self
            .call(
                reqwest::Method::POST,
                "/se/log",
                Some(json!({"type": "browser"})),
            )
            .await;
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| format!("{} {}", e["level"], e["message"]))
            .collect()
    }

    /// Panics when the console shows that the page's Content-Security-Policy
    /// refused something since the last look: a style, an image, a form.
    pub async fn assert_no_csp_violations(&self, page: &str) {
        let refused: Vec<String> = self
            .console()
            .await
            .into_iter()
            .filter(|m| m.contains("Content Security Policy"))
            .collect();
        assert!(
            refused.is_empty(),
            "{page}: the Content-Security-Policy refused: {refused:#?}"
        );
    }

    /// Saves a PNG of the page as `<name>.png` in [`screenshot_dir`].
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.call(reqwest::Method::GET, "/screenshot", None).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("png");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Resizes the window so the page's viewport is `width` CSS pixels wide.
    pub async fn set_width(&self, width: u32, height: u32) {
        let rect = json!({"width": width, "height": height});
        self.call(reqwest::Method::POST, "/window/rect", Some(rect))
            .await;
        // The window frame takes some of it: widen until the viewport fits.
        let inner = self
            .script("return window.innerWidth")
            .await
            .as_u64()
            .unwrap_or(0);
        let frame = u64::from(width).saturating_sub(inner) as u32;
        if frame > 0 {
            let rect = json!({"width": width + frame, "height": height});
            self.call(reqwest::Method::POST, "/window/rect", Some(rect))
                .await;
        }
    }

    pub async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
