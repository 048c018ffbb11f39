//! The production keys of the configuration (issue 8): `[tls]`, `[limits]` and `[quotas]`, with the `serve`
//! flags that override them (`--tls-*`, `--max-connections`, `--max-in-flight`, `--rate-limit`, ...).
//!
//! Precedence, as for every key: flags, then the file, then defaults (these keys have no environment
//! variables). Every problem is collected in the caller's list, naming its key.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::raw::{RawLimits, RawQuotas, RawTls};
use crate::config::validated::{ConfigError, Source};

/// TLS flags of `stixhub serve` (`[tls]` in the file).
#[derive(Debug, Default, Clone, clap::Args)]
pub(crate) struct TlsFlags {
    /// PEM certificate chain (leaf first); serves HTTPS (TLS 1.2+, 1.3 preferred). Needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub(crate) tls_key: Option<PathBuf>,
    /// PEM CA certificates: ask clients for a certificate signed by them; a verified certificate authenticates
    /// as the account named by its subject CN (else its first DNS, else e-mail SAN).
    #[arg(long, value_name = "FILE")]
    pub(crate) tls_client_ca: Option<PathBuf>,
    /// Whether a client certificate is optional (Basic/Bearer still work) or required for every connection
    /// [default: optional].
    #[arg(long, value_name = "MODE", value_parser = ["optional", "required"])]
    pub(crate) tls_client_auth: Option<String>,
}

/// Limit flags of `stixhub serve` (`[limits]` in the file).
#[derive(Debug, Default, Clone, clap::Args)]
pub(crate) struct LimitFlags {
    /// Open connections at most; more are answered 503 and closed [default: 1024].
    #[arg(long, value_name = "N")]
    pub(crate) max_connections: Option<u64>,
    /// Requests processed at once at most [default: 8 per CPU].
    #[arg(long, value_name = "N")]
    pub(crate) max_in_flight: Option<u64>,
    /// Requests waiting for admission at most; more get 503 at once [default: 2 × max-in-flight].
    #[arg(long, value_name = "N")]
    pub(crate) max_waiting: Option<u64>,
    /// Milliseconds a request may wait for admission before it gets 503 [default: 100].
    #[arg(long, value_name = "MS")]
    pub(crate) admission_timeout_ms: Option<u64>,
    /// Requests per second per account (token bucket); over it: 429 with Retry-After [default: unlimited].
    #[arg(long, value_name = "PER_SECOND")]
    pub(crate) rate_limit: Option<f64>,
    /// Requests an idle account may send at once [default: 2 × --rate-limit, at least 1].
    #[arg(long, value_name = "N", requires = "rate_limit")]
    pub(crate) rate_burst: Option<u64>,
    /// Bytes of objects one TAXII page carries at most; a page always carries at least one object, and
    /// `more`/`next` stay exact [default: 16777216].
    #[arg(long, value_name = "BYTES")]
    pub(crate) max_page_bytes: Option<u64>,
}

/// The production settings, resolved.
#[derive(Debug, Clone)]
pub(crate) struct Operations {
    /// HTTPS, when configured.
    pub(crate) tls: Option<server::TlsFiles>,
    /// Connection, admission and rate limits.
    pub(crate) limits: server::Limits,
    /// Storage quotas per organisation.
    pub(crate) quotas: hub::QuotaConfig,
    /// The byte budget of a TAXII page (`hub::HubConfig::max_page_bytes`).
    pub(crate) max_page_bytes: usize,
}

/// Resolves `[tls]`, `[limits]` and `[quotas]` with their flags.
pub(crate) fn resolve(
    tls: Option<&RawTls>,
    limits: Option<&RawLimits>,
    quotas: Option<&RawQuotas>,
    tls_flags: &TlsFlags,
    limit_flags: &LimitFlags,
    errors: &mut Vec<ConfigError>,
) -> Operations {
    Operations {
        tls: resolve_tls(tls.cloned().unwrap_or_default(), tls_flags, errors),
        limits: resolve_limits(&limits.cloned().unwrap_or_default(), limit_flags, errors),
        quotas: resolve_quotas(quotas, errors),
        max_page_bytes: resolve_page_bytes(limits, limit_flags, errors),
    }
}

fn resolve_tls(file: RawTls, flags: &TlsFlags, errors: &mut Vec<ConfigError>) -> Option<server::TlsFiles> {
    let path = |flag: &Option<PathBuf>, file: Option<String>| {
        flag.clone()
            .map(|path| (path, Source::Flag))
            .or_else(|| file.map(|path| (PathBuf::from(path), Source::File)))
    };
    let cert = path(&flags.tls_cert, file.cert);
    let key = path(&flags.tls_key, file.key);
    let client_ca = path(&flags.tls_client_ca, file.client_ca);
    let client_auth = flags
        .tls_client_auth
        .clone()
        .map(|mode| (mode, Source::Flag))
        .or_else(|| file.client_auth.map(|mode| (mode, Source::File)));
    let client_auth = match client_auth {
        None => server::ClientAuth::Optional,
        Some((mode, source)) => match mode.as_str() {
            "optional" => server::ClientAuth::Optional,
            "required" => server::ClientAuth::Required,
            other => {
                errors.push(problem(
                    "tls.client_auth",
                    source,
                    format!("{other:?} is not a mode; expected \"optional\" or \"required\""),
                ));
                server::ClientAuth::Optional
            }
        },
    };
    match (cert, key) {
        (Some((cert, _)), Some((key, _))) => {
            if client_ca.is_none() && client_auth == server::ClientAuth::Required {
                errors.push(problem(
                    "tls.client_auth",
                    Source::File,
                    "\"required\" needs tls.client_ca (the CAs client certificates are checked against)"
                        .to_owned(),
                ));
            }
            Some(server::TlsFiles {
                cert,
                key,
                client_ca: client_ca.map(|(path, _)| path),
                client_auth,
            })
        }
        (Some((_, source)), None) => {
            errors.push(problem(
                "tls.key",
                source,
                "tls.cert is set without tls.key".to_owned(),
            ));
            None
        }
        (None, Some((_, source))) => {
            errors.push(problem(
                "tls.cert",
                source,
                "tls.key is set without tls.cert".to_owned(),
            ));
            None
        }
        (None, None) => {
            if let Some((_, source)) = client_ca {
                errors.push(problem(
                    "tls.client_ca",
                    source,
                    "client certificates need HTTPS: set tls.cert and tls.key".to_owned(),
                ));
            }
            None
        }
    }
}

fn resolve_limits(file: &RawLimits, flags: &LimitFlags, errors: &mut Vec<ConfigError>) -> server::Limits {
    let defaults = server::Limits::default();
    let mut count = |key: &'static str, flag: Option<u64>, file: Option<u64>, default: usize| match flag
        .map(|n| (n, Source::Flag))
        .or(file.map(|n| (n, Source::File)))
    {
        None => default,
        Some((0, source)) => {
            errors.push(problem(key, source, "must be at least 1".to_owned()));
            default
        }
        Some((n, _)) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    let max_connections = count(
        "limits.max_connections",
        flags.max_connections,
        file.max_connections,
        defaults.max_connections,
    );
    let max_in_flight = count(
        "limits.max_in_flight",
        flags.max_in_flight,
        file.max_in_flight,
        defaults.max_in_flight,
    );
    let max_waiting = match flags.max_waiting.or(file.max_waiting) {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => 2 * max_in_flight,
    };
    let admission_timeout = flags
        .admission_timeout_ms
        .or(file.admission_timeout_ms)
        .map_or(defaults.admission_timeout, Duration::from_millis);
    let rate = flags
        .rate_limit
        .map(|rate| (rate, Source::Flag))
        .or(file.account_rate.map(|rate| (rate, Source::File)));
    let account_rate = match rate {
        None => {
            if let Some(burst) = file.account_burst {
                errors.push(problem(
                    "limits.account_burst",
                    Source::File,
                    format!("{burst} is set without limits.account_rate"),
                ));
            }
            None
        }
        Some((per_second, source)) if !(per_second.is_finite() && per_second > 0.0) => {
            errors.push(problem(
                "limits.account_rate",
                source,
                format!("{per_second} is not a positive number of requests per second"),
            ));
            None
        }
        Some((per_second, _)) => {
            let burst = flags
                .rate_burst
                .or(file.account_burst)
                .unwrap_or_else(|| (2.0 * per_second).ceil() as u64)
                .max(1);
            Some(server::RateLimit {
                per_second,
                burst: u32::try_from(burst).unwrap_or(u32::MAX),
            })
        }
    };
    server::Limits {
        max_connections,
        max_in_flight,
        max_waiting,
        admission_timeout,
        account_rate,
    }
}

fn resolve_page_bytes(file: Option<&RawLimits>, flags: &LimitFlags, errors: &mut Vec<ConfigError>) -> usize {
    let value = flags
        .max_page_bytes
        .map(|n| (n, Source::Flag))
        .or(file.and_then(|f| f.max_page_bytes).map(|n| (n, Source::File)));
    match value {
        None => hub::DEFAULT_MAX_PAGE_BYTES,
        Some((0, source)) => {
            errors.push(problem(
                "limits.max_page_bytes",
                source,
                "0 is not a byte budget (a page needs at least one byte)".to_owned(),
            ));
            hub::DEFAULT_MAX_PAGE_BYTES
        }
        Some((n, _)) => usize::try_from(n).unwrap_or(usize::MAX),
    }
}

fn resolve_quotas(file: Option<&RawQuotas>, errors: &mut Vec<ConfigError>) -> hub::QuotaConfig {
    let mut quotas = hub::QuotaConfig::default();
    let Some(file) = file else {
        return quotas;
    };
    quotas.default = hub::Quota {
        max_objects: file.max_objects,
        max_bytes: file.max_bytes,
    };
    match file.refresh_seconds {
        Some(0) => errors.push(problem(
            "quotas.refresh_seconds",
            Source::File,
            "must be at least 1".to_owned(),
        )),
        Some(seconds) => quotas.refresh = Duration::from_secs(seconds),
        None => {}
    }
    quotas.per_organisation = file
        .organisations
        .iter()
        .flatten()
        .map(|(name, quota)| {
            (
                name.clone(),
                hub::Quota {
                    max_objects: quota.max_objects,
                    max_bytes: quota.max_bytes,
                },
            )
        })
        .collect::<BTreeMap<_, _>>();
    quotas
}

/// The keys that differ from the defaults, as TOML sections (for `config check`).
pub(crate) fn to_toml(operations: &Operations) -> String {
    let mut text = String::new();
    if let Some(tls) = &operations.tls {
        let _ = writeln!(
            text,
            "\n[tls]\ncert = {:?}\nkey = {:?}",
            tls.cert.display().to_string(),
            tls.key.display().to_string()
        );
        if let Some(client_ca) = &tls.client_ca {
            let mode = match tls.client_auth {
                server::ClientAuth::Optional => "optional",
                server::ClientAuth::Required => "required",
            };
            let _ = writeln!(
                text,
                "client_ca = {:?}\nclient_auth = \"{mode}\"",
                client_ca.display().to_string()
            );
        }
    }
    let limits = &operations.limits;
    let defaults = server::Limits::default();
    if *limits != defaults || operations.max_page_bytes != hub::DEFAULT_MAX_PAGE_BYTES {
        let _ = writeln!(
            text,
            "\n[limits]\nmax_connections = {}\nmax_in_flight = {}\nmax_waiting = {}\nadmission_timeout_ms = {}",
            limits.max_connections,
            limits.max_in_flight,
            limits.max_waiting,
            limits.admission_timeout.as_millis()
        );
        if let Some(rate) = limits.account_rate {
            let _ = writeln!(
                text,
                "account_rate = {:?}\naccount_burst = {}",
                rate.per_second, rate.burst
            );
        }
        let _ = writeln!(text, "max_page_bytes = {}", operations.max_page_bytes);
    }
    let quotas = &operations.quotas;
    if *quotas != hub::QuotaConfig::default() {
        text.push_str("\n[quotas]\n");
        write_quota(&mut text, quotas.default);
        let _ = writeln!(text, "refresh_seconds = {}", quotas.refresh.as_secs());
        for (name, quota) in &quotas.per_organisation {
            let _ = writeln!(text, "\n[quotas.organisations.{name:?}]");
            write_quota(&mut text, *quota);
        }
    }
    text
}

fn write_quota(text: &mut String, quota: hub::Quota) {
    if let Some(max_objects) = quota.max_objects {
        let _ = writeln!(text, "max_objects = {max_objects}");
    }
    if let Some(max_bytes) = quota.max_bytes {
        let _ = writeln!(text, "max_bytes = {max_bytes}");
    }
}

fn problem(key: &'static str, source: Source, problem: String) -> ConfigError {
    ConfigError { key, source, problem }
}
