//! Version ordering per ecosystem, written from each ecosystem's specification, and OSV range evaluation
//! (`range`).
//!
//! A `Version` is parsed once under one `Scheme` and compares by value: `1.0` and `1.0.0` are equal under Maven,
//! `1.0` and `1.0.0` are equal under PEP 440, `v7.30.6` and `7.30.6` are equal under Composer. Versions of
//! different schemes never compare equal; their order (scheme first) exists only so `Version` is a total order.
//!
//! Schemes and their sources:
//! - `Semver`: Semantic Versioning 2.0.0 (§11 precedence; build metadata ignored). Used for npm, crates.io, Go
//!   (a leading `v` accepted, `+incompatible` is build metadata), Bitnami, NuGet-free SEMVER ranges and every
//!   OSV range of type `SEMVER`. Partial versions (`0.14`) are read with missing parts as 0 and flagged.
//! - `Pep440`: PEP 440 (epoch, release, pre/post/dev, local; spelling normalisation) for PyPI.
//! - `Maven`: Maven's `ComparableVersion` (items, qualifiers alpha < beta < milestone < rc < snapshot < release
//!   < sp, trailing nulls removed).
//! - `Composer`: Composer's `VersionParser::normalize` then PHP's `version_compare`.
//! - `Rpm`: `rpmvercmp` over epoch:version-release (`~` sorts before everything, `^` after the base only).
//! - `Debian`: dpkg's `verrevcmp` over epoch:upstream-revision (`~` sorts before the empty string).
//! - `Alpine`: apk-tools/Gentoo ordering (dotted numbers, letter, `_suffix`es, `-rN`).

/// `PartialOrd`, `PartialEq` and `Eq` from a type's `Ord`: versions are equal by value, not by spelling.
macro_rules! order_from_cmp {
    ($t:ty) => {
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }

        impl Eq for $t {}
    };
}
pub(crate) use order_from_cmp;

mod alpine;
mod composer;
mod debian;
mod maven;
mod pep440;
pub mod range;
mod rpm;
mod semver;
pub mod vers;

use std::cmp::Ordering;
use std::fmt;

pub use range::{CompiledRange, Event, Range, RangeError, RangeKind, Verdict};

/// How an ecosystem's versions are ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    Semver,
    Pep440,
    Maven,
    Composer,
    Rpm,
    Debian,
    Alpine,
}

impl Scheme {
    /// The scheme of an OSV ecosystem name (`npm`, `PyPI`, `Maven`, `Go`, `crates.io`, `Packagist`, `Bitnami`,
    /// `Red Hat`, `AlmaLinux`, `Rocky Linux`, `openSUSE`, `SUSE`, `Mageia`, `Debian`, `Ubuntu`), with or without a
    /// `:release` suffix. `None` for ecosystems whose ordering is not implemented (their components are
    /// reported as not evaluated, never as unaffected).
    pub fn for_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        Some(match base {
            "npm" | "crates.io" | "Go" | "Bitnami" | "Hex" | "Pub" | "SwiftURL" => Scheme::Semver,
            "PyPI" => Scheme::Pep440,
            "Maven" => Scheme::Maven,
            "Packagist" => Scheme::Composer,
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia" | "openEuler"
            | "CentOS" => Scheme::Rpm,
            "Debian" | "Ubuntu" => Scheme::Debian,
            "Alpine" => Scheme::Alpine,
            _ => return None,
        })
    }
}

/// Why a version string could not be read under a scheme.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("version {text:?} is not a valid {scheme:?} version: {reason}")]
pub struct VersionError {
    pub scheme: Scheme,
    pub text: String,
    pub reason: &'static str,
}

#[derive(Clone, Debug)]
enum Key {
    Semver(semver::Key),
    Pep440(pep440::Key),
    Maven(maven::Key),
    Composer(composer::Key),
    Rpm(Evr),
    Debian(Evr),
    Alpine(alpine::Key),
}

/// One parsed version; compares by value within its scheme.
#[derive(Clone, Debug)]
pub struct Version {
    scheme: Scheme,
    text: String,
    key: Key,
    /// The text was read leniently (e.g. a partial SemVer `0.14`); callers may want to say so.
    coerced: bool,
}

/// Longest version text accepted: bounds work on hostile input.
const MAX_LEN: usize = 256;

impl Version {
    /// Reads `text` under `scheme`.
    pub fn parse(scheme: Scheme, text: &str) -> Result<Version, VersionError> {
        let err = |reason| VersionError {
            scheme,
            text: text.to_owned(),
            reason,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(err("empty"));
        }
        if trimmed.len() > MAX_LEN {
            return Err(err("longer than 256 bytes"));
        }
        let (key, coerced) = match scheme {
            Scheme::Semver => {
                let (k, c) = semver::parse(trimmed).map_err(err)?;
                (Key::Semver(k), c)
            }
            Scheme::Pep440 => (Key::Pep440(pep440::parse(trimmed).map_err(err)?), false),
            Scheme::Maven => (Key::Maven(maven::parse(trimmed).map_err(err)?), false),
            Scheme::Composer => (Key::Composer(composer::parse(trimmed).map_err(err)?), false),
            Scheme::Rpm => (Key::Rpm(rpm::parse(trimmed).map_err(err)?), false),
            Scheme::Debian => (Key::Debian(debian::parse(trimmed).map_err(err)?), false),
            Scheme::Alpine => (Key::Alpine(alpine::parse(trimmed).map_err(err)?), false),
        };
        Ok(Version {
            scheme,
            text: trimmed.to_owned(),
            key,
            coerced,
        })
    }

    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The text as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the text was completed to be read (a partial SemVer version such as `0.14` read as `0.14.0`).
    pub fn coerced(&self) -> bool {
        self.coerced
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (&self.key, &other.key) {
            (Key::Semver(a), Key::Semver(b)) => a.cmp(b),
            (Key::Pep440(a), Key::Pep440(b)) => a.cmp(b),
            (Key::Maven(a), Key::Maven(b)) => a.cmp(b),
            (Key::Composer(a), Key::Composer(b)) => a.cmp(b),
            (Key::Rpm(a), Key::Rpm(b)) => a.cmp(b),
            (Key::Debian(a), Key::Debian(b)) => a.cmp(b),
            (Key::Alpine(a), Key::Alpine(b)) => a.cmp(b),
            _ => self.scheme.cmp(&other.scheme),
        }
    }
}

order_from_cmp!(Version);

/// A distribution version `[epoch:]version[-release]` (RPM, Debian): the epoch numerically, then the version,
/// then the release, each with the distribution's own comparison.
#[derive(Clone, Debug)]
pub(crate) struct Evr {
    epoch: Num,
    version: String,
    release: String,
    compare: fn(&str, &str) -> Ordering,
}

impl Evr {
    /// Splits `[epoch:]version[-release]` (the release after the last `-`).
    pub(crate) fn split(text: &str, compare: fn(&str, &str) -> Ordering) -> Result<Evr, &'static str> {
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => (Num::new(e), rest),
            Some(_) => return Err("the epoch must be a number"),
            None => (Num::new("0"), text),
        };
        let (version, release) = rest.rsplit_once('-').unwrap_or((rest, ""));
        Ok(Evr {
            epoch,
            version: version.to_owned(),
            release: release.to_owned(),
            compare,
        })
    }

    pub(crate) fn version(&self) -> &str {
        &self.version
    }

    pub(crate) fn release(&self) -> &str {
        &self.release
    }
}

impl Ord for Evr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| (self.compare)(&self.version, &other.version))
            .then_with(|| (self.compare)(&self.release, &other.release))
    }
}

order_from_cmp!(Evr);

/// Compares two decimal digit strings by numeric value without overflow (leading zeros ignored).
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A decimal number of any length: a `u64` when it fits (the common case, compared as an integer), else its
/// digits without leading zeros (compared by length, then lexically).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    Small(u64),
    Big(Box<str>),
}

impl Num {
    pub(crate) fn new(digits: &str) -> Num {
        let d = digits.trim_start_matches('0');
        match d.parse::<u64>() {
            Ok(n) => Num::Small(n),
            Err(_) if d.is_empty() => Num::Small(0),
            Err(_) => Num::Big(d.into()),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Num::Small(0))
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Num::Small(a), Num::Small(b)) => a.cmp(b),
            (Num::Small(_), Num::Big(_)) => Ordering::Less,
            (Num::Big(_), Num::Small(_)) => Ordering::Greater,
            (Num::Big(a), Num::Big(b)) => cmp_digits(a, b),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(scheme: Scheme, a: &str, b: &str) -> Ordering {
        Version::parse(scheme, a)
            .unwrap()
            .cmp(&Version::parse(scheme, b).unwrap())
    }

    #[test]
    fn orderings_per_scheme() {
        use Ordering::*;
        use Scheme::*;
        let cases = [
            (Semver, "1.0.0-alpha", "1.0.0-alpha.1", Less),
            (Semver, "1.0.0-alpha.beta", "1.0.0-beta", Less),
            (Semver, "1.0.0-beta.11", "1.0.0-rc.1", Less),
            (Semver, "1.0.0-rc.1", "1.0.0", Less),
            (Semver, "2.10.0", "2.9.10", Greater),
            (Semver, "v1.2.3+incompatible", "1.2.3", Equal),
            (Pep440, "1.0.dev0", "1.0a1", Less),
            (Pep440, "1.0a1", "1.0", Less),
            (Pep440, "1.0", "1.0.post1", Less),
            (Pep440, "1.0", "1.0.0", Equal),
            (Pep440, "1!0.1", "2.0", Greater),
            (Pep440, "1.0+local", "1.0", Greater),
            (Pep440, "1.0-1", "1.0.post1", Equal),
            (Maven, "2.10.0", "2.9.10.8", Greater),
            (Maven, "2.10.0", "2.10.0.0", Equal),
            (Maven, "1.0-alpha-1", "1.0", Less),
            (Maven, "1.0-SNAPSHOT", "1.0", Less),
            (Maven, "1.0-sp", "1.0", Greater),
            (Maven, "2.0-beta9", "2.0-rc1", Less),
            (Maven, "1.0.RELEASE", "1.0", Equal),
            (Composer, "v7.30.6", "7.30.6", Equal),
            (Composer, "1.0.0-beta1", "1.0.0", Less),
            (Composer, "1.0.0-RC1", "1.0.0-beta2", Greater),
            (Composer, "1.0.0-patch1", "1.0.0", Greater),
            (Rpm, "4.2.46-31.el7", "4.2.45-5.el7_0.2", Greater),
            (Rpm, "1:1.0.2k-16.el7", "1.1.1", Greater),
            (Rpm, "1.0~rc1-1", "1.0-1", Less),
            (Rpm, "1.0a", "1.0.1", Less),
            (Debian, "1:1.0-1", "2.0-1", Greater),
            (Debian, "1.0~rc1-1", "1.0-1", Less),
            (Debian, "1.0-1ubuntu1", "1.0-1", Greater),
            (Debian, "2.7.4-0ubuntu1.6", "2.7.4-0ubuntu1.10", Less),
            (Alpine, "3.0.4-r0", "3.0.4-r1", Less),
            (Alpine, "3.0.4_rc1-r0", "3.0.4-r0", Less),
            (Alpine, "3.0.4_p1", "3.0.4", Greater),
            (Alpine, "1.1", "1.02", Greater),
            (Alpine, "1.2.10", "1.2.9", Greater),
            (Alpine, "1.2a", "1.2", Greater),
            (Alpine, "1.2_git20200101", "1.2", Greater),
        ];
        for (scheme, a, b, want) in cases {
            assert_eq!(cmp(scheme, a, b), want, "{scheme:?}: {a} vs {b}");
            assert_eq!(cmp(scheme, b, a), want.reverse(), "{scheme:?}: {b} vs {a}");
        }
    }

    #[test]
    fn partial_semver_is_coerced_and_flagged() {
        let v = Version::parse(Scheme::Semver, "0.14").unwrap();
        assert!(v.coerced());
        assert_eq!(v, Version::parse(Scheme::Semver, "0.14.0").unwrap());
        assert!(Version::parse(Scheme::Semver, "not-a-version").is_err());
        assert!(Version::parse(Scheme::Pep440, "1.0-foo-bar").is_err());
    }
}
