//! Fetching links politely: HEAD first, GET when a server refuses HEAD; a
//! few requests at once in all, and one at a time per host, so checking an
//! issue with twenty links to one site does not hammer it. Redirects are
//! followed by hand, one hop at a time under the same rules, so the report
//! can say where a link ends up.

use reqwest::{Client, Method, StatusCode, redirect};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

use super::images::{HEADER_BYTES, ImageFacts, READ_AT_MOST};
use super::outcome::{Broken, Outcome};

/// How links are fetched.
#[derive(Debug, Clone)]
pub struct Options {
    /// Per request; a server that says nothing for this long is broken.
    pub timeout: Duration,
    /// Requests in flight at once, over all hosts.
    pub concurrency: usize,
    pub max_redirects: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            concurrency: 8,
            max_redirects: 10,
        }
    }
}

/// Checks addresses; share one per run so its limits hold over all links.
#[derive(Clone)]
pub struct Fetcher {
    client: Client,
    options: Options,
    in_flight: Arc<Semaphore>,
    hosts: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl Fetcher {
    pub fn new(options: Options) -> anyhow::Result<Self> {
        let client = Client::builder()
            .redirect(redirect::Policy::none())
            .timeout(options.timeout)
            .connect_timeout(options.timeout)
            .user_agent(concat!("postbode-linkcheck/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            in_flight: Arc::new(Semaphore::new(options.concurrency.max(1))),
            options,
            hosts: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// Follows `url` to its end and says what it found.
    pub async fn check(&self, url: url::Url) -> Outcome {
        let mut current = url;
        let mut first: Option<u16> = None;
        for _ in 0..=self.options.max_redirects {
            let status = match self.fetch(&current).await {
                Ok(s) => s,
                Err(why) => {
                    return Outcome::Broken {
                        why,
                        at: first.map(|_| current.to_string()),
                    };
                }
            };
            let (code, location) = status;
            if code.is_redirection() {
                let next = location.and_then(|l| current.join(&l).ok());
                match next {
                    Some(n) if matches!(n.scheme(), "http" | "https") => {
                        first.get_or_insert(code.as_u16());
                        current = n;
                        continue;
                    }
                    _ => {
                        return Outcome::Broken {
                            why: Broken::Status(code.as_u16()),
                            at: first.map(|_| current.to_string()),
                        };
                    }
                }
            }
            let at = first.map(|_| current.to_string());
            return match (code.is_success(), first, at) {
                (true, None, _) => Outcome::Ok {
                    status: code.as_u16(),
                },
                (true, Some(first), Some(to)) => Outcome::Redirected {
                    first,
                    to,
                    status: code.as_u16(),
                },
                (_, _, at) => Outcome::Broken {
                    why: Broken::Status(code.as_u16()),
                    at,
                },
            };
        }
        Outcome::Broken {
            why: Broken::TooManyRedirects,
            at: None,
        }
    }

    /// The host's turn and a place among the requests in flight, held
    /// while the returned guards live.
    async fn turn(
        &self,
        url: &url::Url,
    ) -> Result<(OwnedMutexGuard<()>, OwnedSemaphorePermit), Broken> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let lane = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts.entry(host).or_default().clone()
        };
        // The host's turn first: waiting for it must not hold a place others could use.
        let turn = lane.lock_owned().await;
        let place = self
            .in_flight
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Broken::Other(e.to_string()))?;
        Ok((turn, place))
    }

    /// One hop: the status and `Location`, holding the host's turn and a
    /// place among the requests in flight.
    async fn fetch(&self, url: &url::Url) -> Result<(StatusCode, Option<String>), Broken> {
        let (_turn, _place) = self.turn(url).await?;
        let response = match self.request(Method::HEAD, url).await {
            Ok(r) if !matches!(r.status().as_u16(), 405 | 501) => Ok(r),
            // Refused HEAD, or a server that drops the connection on it.
            Ok(_) => self.request(Method::GET, url).await,
            Err(e) if e.is_timeout() || e.is_connect() => Err(e),
            Err(_) => self.request(Method::GET, url).await,
        };
        let r = response.map_err(|e| classify(&e))?;
        let location = r
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // The body is not needed: dropping the response closes it.
        Ok((r.status(), location))
    }

    /// The width and weight of the image at `url` (where its redirects
    /// ended), under the same limits as [`Self::check`]; None when it
    /// cannot be fetched.
    pub async fn image(&self, url: &url::Url) -> Option<ImageFacts> {
        let (_turn, _place) = self.turn(url).await.ok()?;
        let mut r = self.request(Method::GET, url).await.ok()?;
        if !r.status().is_success() {
            return None;
        }
        let declared = r.content_length();
        let mut start = Vec::new();
        let mut read: u64 = 0;
        while read < READ_AT_MOST {
            let Ok(Some(chunk)) = r.chunk().await else {
                break;
            };
            read += chunk.len() as u64;
            if start.len() < HEADER_BYTES {
                let room = HEADER_BYTES - start.len();
                start.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            if declared.is_some() && start.len() >= HEADER_BYTES {
                break;
            }
        }
        Some(ImageFacts::measure(
            &start,
            declared.unwrap_or(read).max(read),
        ))
    }

    async fn request(&self, method: Method, url: &url::Url) -> reqwest::Result<reqwest::Response> {
        self.client.request(method, url.clone()).send().await
    }
}

/// What went wrong, in the editor's terms; the details of each error type
/// are found in its chain of causes.
fn classify(e: &reqwest::Error) -> Broken {
    if e.is_timeout() {
        return Broken::Timeout;
    }
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return Broken::Refused,
                std::io::ErrorKind::TimedOut => return Broken::Timeout,
                _ => {}
            }
        }
        chain.push(s.to_string());
        source = s.source();
    }
    let text = chain.join(": ");
    let lower = text.to_ascii_lowercase();
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        Broken::Dns
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
    {
        Broken::Tls(chain.last().cloned().unwrap_or(text))
    } else {
        Broken::Other(chain.last().cloned().unwrap_or(text))
    }
}
