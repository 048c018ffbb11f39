//! The drill's HTTP calls to the hub: JSON in and out, one connection per call (the CLI client of `server`),
//! bounded concurrency, and polite retries when the hub sheds load (503/429 with `Retry-After`) or a
//! connection fails, so a busy hub slows the drill down instead of failing it.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use serde_json::Value;
use tokio::sync::Semaphore;

/// How long one call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Attempts per call when the hub sheds load or the connection fails.
const ATTEMPTS: u32 = 40;
/// The TAXII media type.
pub(crate) const TAXII: &str = "application/taxii+json;version=2.1";

/// An answer: status and JSON body (`Null` when the body is not JSON).
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Reply {
    /// True for 2xx.
    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `METHOD PATH answered STATUS: BODY` (shortened), for notes.
    pub(crate) fn describe(&self, what: &str) -> String {
        let mut text = self.text.clone();
        if text.len() > 300 {
            let mut cut = 300;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push('…');
        }
        format!("{what} answered {}: {text}", self.status)
    }
}

/// The hub's base URL and the drill's call budget.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    base: String,
    in_flight: Arc<Semaphore>,
}

/// `Authorization` for HTTP Basic.
pub(crate) fn basic(user: &str, password: &str) -> String {
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {credentials}")
}

impl Api {
    /// Calls at most `concurrency` at once.
    pub(crate) fn new(base: &str, concurrency: usize) -> Api {
        Api {
            base: base.trim_end_matches('/').to_owned(),
            in_flight: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    /// The absolute URL of a path.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A JSON call.
    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        auth: &str,
        body: Option<&Value>,
    ) -> Result<Reply, String> {
        let body = body.map(|value| value.to_string().into_bytes());
        self.send(method, path, auth, body, None).await
    }

    /// A TAXII POST of an envelope or bundle.
    pub(crate) async fn taxii_post(&self, path: &str, auth: &str, body: &Value) -> Result<Reply, String> {
        self.send(
            "POST",
            path,
            auth,
            Some(body.to_string().into_bytes()),
            Some(TAXII),
        )
        .await
    }

    /// A TAXII GET.
    pub(crate) async fn taxii_get(&self, path: &str, auth: &str) -> Result<Reply, String> {
        self.send("GET", path, auth, None, Some(TAXII)).await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        auth: &str,
        body: Option<Vec<u8>>,
        taxii: Option<&str>,
    ) -> Result<Reply, String> {
        let url = self.url(path);
        let mut headers = vec![("authorization", auth.to_owned())];
        if let Some(media) = taxii {
            headers.push(("accept", media.to_owned()));
            if body.is_some() {
                headers.push(("content-type", media.to_owned()));
            }
        }
        let mut last_error = String::new();
        for attempt in 0..ATTEMPTS {
            let answer = {
                let _permit = self
                    .in_flight
                    .acquire()
                    .await
                    .map_err(|_| "the drill is shutting down".to_owned())?;
                server::request_json(method, &url, &headers, body.clone(), CALL_TIMEOUT).await
            };
            let wait = Duration::from_millis(25 * u64::from(attempt + 1)).min(Duration::from_secs(1));
            match answer {
                Ok(answer) if answer.status == 503 || answer.status == 429 => {
                    last_error = format!("{method} {path} answered {}", answer.status);
                    tokio::time::sleep(wait).await;
                }
                Ok(answer) => {
                    let text = String::from_utf8_lossy(&answer.body).into_owned();
                    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
                    return Ok(Reply {
                        status: answer.status,
                        body,
                        text,
                    });
                }
                // A POST that failed mid-way may have been applied: only reads are retried.
                Err(err) if attempt < 3 && method == "GET" => {
                    last_error = err;
                    tokio::time::sleep(wait).await;
                }
                Err(err) => return Err(format!("{method} {path}: {err}")),
            }
        }
        Err(format!("{last_error} ({ATTEMPTS} attempts)"))
    }
}
