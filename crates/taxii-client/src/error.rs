//! What went wrong, in words an operator can act on: the URL, and what the server answered (status, the TAXII
//! error resource's title and description, the media type) or why no answer came.

/// A client failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The URL cannot be used.
    #[error("bad URL {url:?}: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// Why.
        reason: String,
    },
    /// The client's own configuration (CA file, client certificate) is unusable.
    #[error("client configuration: {0}")]
    Config(String),
    /// No connection (refused, unreachable, name not resolved, TLS handshake failed).
    #[error("{url}: cannot connect: {reason}")]
    Connect {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// No complete answer within the timeout.
    #[error("{url}: no answer within {seconds} s")]
    Timeout {
        /// The URL.
        url: String,
        /// The timeout.
        seconds: u64,
    },
    /// The server answered with an error status.
    #[error("{url}: the server answered {status}{}{}{}", title.as_deref().map(|t| format!(" \"{t}\"")).unwrap_or_default(), description.as_deref().map(|d| format!(": {d}")).unwrap_or_default(), media_type.as_deref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The TAXII error resource's title, if the body was one.
        title: Option<String>,
        /// Its description.
        description: Option<String>,
        /// The answer's Content-Type.
        media_type: Option<String>,
        /// `Retry-After`, in seconds, when given.
        retry_after: Option<u64>,
    },
    /// The answer was not TAXII 2.1 JSON of the expected shape (wrong media type, not JSON, wrong shape).
    #[error("{url}: unusable answer: {reason}")]
    Answer {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
}

impl ClientError {
    /// Whether trying again later may help (connection failures, timeouts, 5xx, 429, 408).
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Connect { .. } | ClientError::Timeout { .. } => true,
            ClientError::Status { status, .. } => *status >= 500 || *status == 429 || *status == 408,
            _ => false,
        }
    }

    /// The server's `Retry-After`, when it gave one.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ClientError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
