//! An e-mail address as stixhub accepts it: a dot-atom local part and a host name, ASCII only (RFC 5321
//! `Mailbox` without quoted strings, address literals or SMTPUTF8). Anything else is refused rather than
//! escaped, so an address can never carry a CR, LF, `<`, `>`, space or comma into an SMTP command or a header.

use std::fmt;

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// Not `local@domain` with exactly one `@`.
    #[error("not an e-mail address of the form local@domain")]
    Shape,
    /// The local part (before `@`) is empty, too long or holds a character outside the dot-atom set.
    #[error(
        "the part before @ must be 1 to 64 letters, digits or !#$%&'*+/=?^_`{{|}}~- separated by single dots"
    )]
    Local,
    /// The domain is not a host name.
    #[error("the part after @ must be a host name (letters, digits and hyphens, dot-separated, at most 253)")]
    Domain,
}

/// A checked address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address(String);

fn atext(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&byte)
}

fn dot_separated(text: &str, part_ok: impl Fn(&str) -> bool) -> bool {
    !text.is_empty() && text.split('.').all(|part| !part.is_empty() && part_ok(part))
}

impl Address {
    /// Reads an address (surrounding white space is not trimmed: the caller decides).
    pub fn parse(text: &str) -> Result<Address, AddressError> {
        let (local, domain) = text.split_once('@').ok_or(AddressError::Shape)?;
        if domain.contains('@') {
            return Err(AddressError::Shape);
        }
        if local.len() > 64 || !dot_separated(local, |part| part.bytes().all(atext)) {
            return Err(AddressError::Local);
        }
        let label_ok = |label: &str| {
            label.len() <= 63
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if domain.len() > 253 || !dot_separated(domain, label_ok) {
            return Err(AddressError::Domain);
        }
        Ok(Address(text.to_owned()))
    }

    /// The address text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The domain (after `@`).
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, domain)| domain)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_are_accepted() {
        for ok in [
            "alice@example.org",
            "a.b+tag@mail.example.co.uk",
            "x@localhost",
            "o'hara@x-y.example",
        ] {
            assert_eq!(
                Address::parse(ok).map(|a| a.to_string()),
                Ok(ok.to_owned()),
                "{ok}"
            );
        }
        assert_eq!(
            Address::parse("alice@example.org").map(|a| a.domain().to_owned()),
            Ok("example.org".into())
        );
    }

    #[test]
    fn anything_that_could_inject_is_refused() {
        for bad in [
            "alice@example.org\r\nBcc: eve@evil.example",
            "alice@example.org>\r\nRCPT TO:<eve@evil.example",
            "alice @example.org",
            "alice@exa mple.org",
            "<alice@example.org>",
            "alice@example.org,eve@evil.example",
            "Alice <alice@example.org>",
            "\"a b\"@example.org",
            "alice@[127.0.0.1]",
            "älice@example.org",
            "alice@",
            "@example.org",
            "a..b@example.org",
            ".a@example.org",
            "a@-example.org",
            "a@b@c",
            "plain",
        ] {
            assert!(Address::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            Address::parse(&format!("{}@x.org", "a".repeat(65))),
            Err(AddressError::Local)
        );
    }
}
