//! The web server's connections. Each one is served by hyper's HTTP/1 server
//! with a timer, so a client that does not send a whole request header in
//! [`HEADER_READ_TIMEOUT`] is disconnected (slowloris; an idle keep-alive
//! connection is closed the same way). [`REQUEST_TIMEOUT`] bounds a request
//! once its header is in (the router answers 408), and at most
//! [`MAX_CONNECTIONS`] are open at once: further clients wait in the listen
//! queue until one closes. Handlers see the peer as `ConnectInfo<SocketAddr>`.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tower_service::Service;

/// A request header (the request line and every header line) must be in
/// within this time of the connection opening or of the previous answer.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A request whose answer is not ready this long after its header arrived
/// (a body that trickles in, a handler that hangs) is answered 408.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once.
pub const MAX_CONNECTIONS: u32 = 512;

/// Accepts and serves connections until `shutdown`; then stops accepting,
/// lets open connections finish their request (at most [`REQUEST_TIMEOUT`])
/// and returns.
pub async fn run(
    listener: TcpListener,
    app: Router,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS as usize));
    loop {
        // A free slot first: beyond the cap, clients wait in the listen queue.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot?,
            () = shutdown.cancelled() => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let Ok(service) = make_service.call(peer).await;
        tokio::spawn(connection(stream, service, slot, shutdown.clone()));
    }
    drop(listener);
    if tokio::time::timeout(REQUEST_TIMEOUT, slots.acquire_many(MAX_CONNECTIONS))
        .await
        .is_err()
    {
        tracing::warn!(
            "web connections still open {}s after shutdown began; closing them",
            REQUEST_TIMEOUT.as_secs()
        );
    }
    Ok(())
}

/// One connection, holding its slot until it closes. At shutdown a request
/// in progress is finished; a connection that is between requests, or has
/// not sent a whole first request header, is closed at once.
async fn connection<S>(
    stream: TcpStream,
    service: S,
    _slot: OwnedSemaphorePermit,
    shutdown: CancellationToken,
) where
    S: Service<Request<Incoming>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    // hyper closes a connection between requests at once when told to shut
    // down, but not one that has yet to send its first request.
    let asked = Arc::new(AtomicBool::new(false));
    let seen = asked.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        seen.store(true, Ordering::Relaxed);
        service.clone().call(req)
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let served = tokio::select! {
        served = conn.as_mut() => served,
        () = shutdown.cancelled() => {
            if !asked.load(Ordering::Relaxed) {
                return;
            }
            conn.as_mut().graceful_shutdown();
            conn.as_mut().await
        }
    };
    if let Err(e) = served {
        tracing::debug!("web connection closed: {e}");
    }
}

/// Connection errors concern one client; others (too many open files) are
/// waited out so the loop does not spin.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!("web server cannot accept a connection: {e}");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
