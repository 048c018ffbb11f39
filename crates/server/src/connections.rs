//! The plain-HTTP accept loop (`serve`) and what both accept loops share: the connection bound and the HTTP/1.1
//! connection settings.
//!
//! Invariants: at most `Limits::max_connections` connections are served; one beyond the bound is answered
//! `503` with `Retry-After` and closed at once (over TLS, closed at once), never left in the backlog to time
//! out; a client gets `HEADER_READ_TIMEOUT` to send a request's head (slow-loris senders do not hold a slot
//! forever); on shutdown the loop stops accepting and drains the connections it serves.

use std::future::Future;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

use crate::AppState;

/// How long a client may take to send the head of a request.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Pause after a failed accept (e.g. out of file descriptors) before trying again.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);
/// How long a refused connection is drained before it is closed (so the client reads the 503, not a reset).
const REFUSAL_DRAIN: Duration = Duration::from_millis(500);

/// The answer to a connection over `max_connections`.
pub(crate) const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Content-Type: application/taxii+json;version=2.1\r\n\
Retry-After: 1\r\n\
Connection: close\r\n\
Content-Length: 101\r\n\r\n\
{\"title\":\"Service Unavailable\",\"description\":\"too many connections; retry later\",\"http_status\":\"503\"}";

/// Serves `router(state)` on `listener` until `shutdown` completes, then drains requests in flight.
pub async fn serve<F>(listener: TcpListener, state: AppState, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let router = crate::router(state.clone());
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let Some(slot) = state.admission.open_connection() else {
                        state.metrics.record_refused_connection();
                        tokio::spawn(refuse(tcp));
                        continue;
                    };
                    let _ = tcp.set_nodelay(true);
                    let router = router.clone();
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        let service = hyper::service::service_fn(move |request| {
                            crate::auth::CLIENT_ADDR.scope(peer.ip(), router.clone().oneshot(request))
                        });
                        let connection = http1().serve_connection(TokioIo::new(tcp), service);
                        if let Err(err) = watcher.watch(connection).await {
                            tracing::debug!(error = %err, "connection ended with an error");
                        }
                        drop(slot);
                    });
                }
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// The HTTP/1.1 settings of every connection.
pub(crate) fn http1() -> hyper::server::conn::http1::Builder {
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true);
    builder
}

/// Answers a connection over the bound with a 503 and closes it.
async fn refuse(mut tcp: TcpStream) {
    let _ = tokio::time::timeout(REFUSAL_DRAIN, async {
        tcp.write_all(REFUSAL).await?;
        tcp.shutdown().await?;
        // Read what the client sent until it closes, so closing does not reset the connection before the
        // client has read the answer.
        let mut sink = [0u8; 4096];
        while tcp.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await;
}

#[cfg(test)]
mod tests;
