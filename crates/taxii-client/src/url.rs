//! The few URL operations the client needs: split `http(s)://host[:port]/path?query`, join a resource path,
//! and percent-encode query values (cursors are opaque and may hold any character).

use crate::ClientError;

/// A parsed absolute URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Url {
    pub(crate) tls: bool,
    /// Host as written (IPv6 without brackets).
    pub(crate) host: String,
    pub(crate) port: u16,
    /// `host[:port]` as sent in `Host`.
    pub(crate) authority: String,
    /// The path, always starting with `/`, without the query.
    pub(crate) path: String,
}

impl Url {
    pub(crate) fn parse(url: &str) -> Result<Url, ClientError> {
        let bad = |reason: &str| ClientError::Url {
            url: url.to_owned(),
            reason: reason.to_owned(),
        };
        let (tls, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("expected http:// or https://"));
        };
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(at) => rest.split_at(at),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(bad(
                "credentials in the URL are refused; use the credential options",
            ));
        }
        let path = path.split(['?', '#']).next().unwrap_or("/");
        let path = if path.is_empty() { "/" } else { path };
        let default_port = if tls { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed [ in the host"))?;
            let port = match after.strip_prefix(':') {
                Some(port) => port.parse().map_err(|_| bad("bad port"))?,
                None if after.is_empty() => default_port,
                None => return Err(bad("bad host")),
            };
            (host.to_owned(), port)
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), port.parse().map_err(|_| bad("bad port"))?),
                None => (authority.to_owned(), default_port),
            }
        };
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad("no host"));
        }
        Ok(Url {
            tls,
            host,
            port,
            authority: authority.to_owned(),
            path: path.to_owned(),
        })
    }

    /// The URL with `/` appended to its path when missing (TAXII resource URLs end with one).
    pub(crate) fn as_dir(&self) -> Url {
        let mut dir = self.clone();
        if !dir.path.ends_with('/') {
            dir.path.push('/');
        }
        dir
    }

    /// `self`'s path joined with a relative `child` (e.g. `objects/`).
    pub(crate) fn join(&self, child: &str) -> Url {
        let mut joined = self.as_dir();
        joined.path.push_str(child);
        joined
    }

    /// The same server with an absolute path (e.g. an API root listed by discovery).
    pub(crate) fn with_path(&self, path: &str) -> Url {
        let mut other = self.clone();
        other.path = path.to_owned();
        other
    }

    pub(crate) fn display(&self) -> String {
        format!(
            "{}://{}{}",
            if self.tls { "https" } else { "http" },
            self.authority,
            self.path
        )
    }
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
pub(crate) fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_joins() {
        let url = Url::parse("https://[::1]:8443/api/collections/abc").unwrap();
        assert_eq!((url.host.as_str(), url.port, url.tls), ("::1", 8443, true));
        assert_eq!(url.join("objects/").path, "/api/collections/abc/objects/");
        let plain = Url::parse("http://127.0.0.1:5000").unwrap();
        assert_eq!((plain.path.as_str(), plain.port), ("/", 5000));
        assert!(Url::parse("ftp://x/").is_err());
        assert!(Url::parse("http://user:pw@x/").is_err());
        assert_eq!(
            encode("2026-01-01T00:00:00Z a/b"),
            "2026-01-01T00%3A00%3A00Z%20a%2Fb"
        );
    }
}
