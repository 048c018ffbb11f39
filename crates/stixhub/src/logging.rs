//! The one place the binary installs a `tracing` subscriber (libraries only emit events): text or JSON lines on
//! stderr, filtered by the configured `log_level`.

use crate::config::validated::{Config, LogFormat};

/// Installs the subscriber for `config`; a second call (tests) keeps the first.
pub(crate) fn install(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // When stderr is gone (a closed pipe), the default reports the failed write with `eprintln!`, which
        // panics and drops the request being served: a server must keep serving without its logs.
        .log_internal_errors(false);
    let _ = match config.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
