//! Package URLs (purl-spec): `pkg:type/namespace/name@version?qualifiers#subpath`, parsed as the specification's
//! "How to parse" section says (right to left, percent-decoding each part), with the per-type normalisation it
//! defines (type and qualifier keys lower case; PyPI names lower case with `_` as `-`; Composer, GitHub,
//! Bitbucket, Debian and RPM vendor names lower case), and the mapping to an OSV ecosystem and package name.

use std::fmt;

/// A parsed package URL.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Purl {
    pub ty: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    /// Sorted by key.
    pub qualifiers: Vec<(String, String)>,
    pub subpath: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid package URL {text:?}: {reason}")]
pub struct PurlError {
    pub text: String,
    pub reason: &'static str,
}

/// Where a package's advisories live in OSV: the ecosystem, its release for distributions (`Debian:12` → `12`)
/// and the package name as OSV writes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct OsvPackage {
    pub ecosystem: String,
    pub release: Option<String>,
    pub name: String,
}

fn percent_decode(s: &str) -> Result<String, &'static str> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or("truncated percent escape")?;
            let hex = std::str::from_utf8(hex).map_err(|_| "bad percent escape")?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| "bad percent escape")?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent escapes are not UTF-8")
}

/// Percent-decodes, keeping the text as written when it is not valid.
pub(crate) fn percent_decode_lossy(s: &str) -> String {
    percent_decode(s).unwrap_or_else(|_| s.to_owned())
}

/// Percent-encodes what the purl grammar reserves in a segment.
fn encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || "-._~".contains(c) || (keep_slash && c == '/') || c == ':' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

impl Purl {
    pub fn parse(text: &str) -> Result<Purl, PurlError> {
        let err = |reason| PurlError {
            text: text.chars().take(200).collect(),
            reason,
        };
        if text.len() > 4096 {
            return Err(err("longer than 4096 bytes"));
        }
        let (rest, subpath) = match text.rsplit_once('#') {
            Some((r, s)) => {
                let segs: Vec<String> = s
                    .split('/')
                    .filter(|x| !x.is_empty() && *x != "." && *x != "..")
                    .map(percent_decode)
                    .collect::<Result<_, _>>()
                    .map_err(err)?;
                (r, (!segs.is_empty()).then(|| segs.join("/")))
            }
            None => (text, None),
        };
        let (rest, qualifiers) = match rest.rsplit_once('?') {
            Some((r, q)) => {
                let mut out = Vec::new();
                for pair in q.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair
                        .split_once('=')
                        .ok_or_else(|| err("a qualifier without '='"))?;
                    let v = percent_decode(v).map_err(err)?;
                    if !v.is_empty() {
                        out.push((k.to_ascii_lowercase(), v));
                    }
                }
                out.sort();
                (r, out)
            }
            None => (rest, Vec::new()),
        };
        let (scheme, rest) = rest.split_once(':').ok_or_else(|| err("no 'pkg:' scheme"))?;
        if !scheme.eq_ignore_ascii_case("pkg") {
            return Err(err("the scheme is not 'pkg'"));
        }
        let rest = rest.trim_start_matches('/');
        let (ty, rest) = rest.split_once('/').ok_or_else(|| err("no type"))?;
        if ty.is_empty()
            || !ty
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Err(err("invalid type"));
        }
        let ty = ty.to_ascii_lowercase();
        let rest = rest.trim_end_matches('/');
        let (rest, version) = match rest.rsplit_once('@') {
            // An '@' inside the path is a scoped npm namespace (`%40` is the canonical form, but it occurs raw).
            Some((r, v)) if !v.contains('/') && !r.is_empty() => (r, Some(percent_decode(v).map_err(err)?)),
            _ => (rest, None),
        };
        let (namespace, name) = match rest.rsplit_once('/') {
            Some((ns, n)) => {
                let segs: Vec<String> = ns
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(percent_decode)
                    .collect::<Result<_, _>>()
                    .map_err(err)?;
                ((!segs.is_empty()).then(|| segs.join("/")), n)
            }
            None => (None, rest),
        };
        let mut name = percent_decode(name).map_err(err)?;
        if name.is_empty() {
            return Err(err("no name"));
        }
        let mut namespace = namespace;
        match ty.as_str() {
            "pypi" => name = name.to_ascii_lowercase().replace('_', "-"),
            "composer" | "github" | "bitbucket" => {
                name = name.to_ascii_lowercase();
                namespace = namespace.map(|n| n.to_ascii_lowercase());
            }
            "deb" | "rpm" | "apk" | "alpm" => namespace = namespace.map(|n| n.to_ascii_lowercase()),
            _ => {}
        }
        Ok(Purl {
            ty,
            namespace,
            name,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
            subpath,
        })
    }

    pub fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The package without version, qualifiers or subpath, for comparing identities (`pkg:npm/elliptic`).
    pub fn package(&self) -> String {
        let mut out = format!("pkg:{}/", self.ty);
        if let Some(ns) = &self.namespace {
            out.push_str(&encode(ns, true));
            out.push('/');
        }
        out.push_str(&encode(&self.name, false));
        out
    }

    /// The version to compare: RPM's `epoch` qualifier joins the version as `epoch:version`.
    pub fn comparable_version(&self) -> Option<String> {
        let version = self.version.as_deref()?;
        match (self.ty.as_str(), self.qualifier("epoch")) {
            ("rpm", Some(epoch)) if !version.contains(':') && epoch != "0" => {
                Some(format!("{epoch}:{version}"))
            }
            _ => Some(version.to_owned()),
        }
    }

    /// The source package named by the `upstream` qualifier (`openssl`, `openssl@1.1.1n`, or a source RPM file
    /// name `openssl-1.0.2k-16.el7.src.rpm`), for distribution packages.
    pub fn upstream(&self) -> Option<String> {
        let up = self.qualifier("upstream")?;
        if let Some(srpm) = up.strip_suffix(".src.rpm") {
            // name-version-release: the name may itself contain dashes.
            let mut parts = srpm.rsplitn(3, '-');
            let (_release, _version, name) = (parts.next(), parts.next(), parts.next());
            return name.filter(|n| !n.is_empty()).map(str::to_owned);
        }
        let name = up.split(['@', ' ', '(']).next().unwrap_or(up).trim();
        (!name.is_empty()).then(|| name.to_owned())
    }

    /// The OSV ecosystem and package name of this purl, `None` for types OSV does not cover.
    pub fn osv_package(&self) -> Option<OsvPackage> {
        let ns = self.namespace.as_deref();
        let joined = |sep: &str| match ns {
            Some(ns) => format!("{ns}{sep}{}", self.name),
            None => self.name.clone(),
        };
        let distro = self.qualifier("distro").map(str::to_ascii_lowercase);
        let (ecosystem, name, release) = match self.ty.as_str() {
            "npm" => ("npm", joined("/"), None),
            "pypi" => ("PyPI", self.name.clone(), None),
            "maven" => ("Maven", joined(":"), None),
            "golang" => ("Go", joined("/"), None),
            "cargo" => ("crates.io", self.name.clone(), None),
            "composer" => ("Packagist", joined("/"), None),
            "nuget" => ("NuGet", self.name.clone(), None),
            "gem" => ("RubyGems", self.name.clone(), None),
            "hex" => ("Hex", self.name.clone(), None),
            "pub" => ("Pub", self.name.clone(), None),
            "bitnami" => ("Bitnami", self.name.clone(), None),
            "deb" => {
                let eco = match ns? {
                    "debian" => "Debian",
                    "ubuntu" => "Ubuntu",
                    _ => return None,
                };
                let release = distro.as_deref().map(|d| debian_release(eco, d));
                (eco, self.name.clone(), release)
            }
            "rpm" => {
                let eco = match ns? {
                    "redhat" => "Red Hat",
                    "almalinux" => "AlmaLinux",
                    "rocky" | "rockylinux" => "Rocky Linux",
                    "centos" => "CentOS",
                    "opensuse" => "openSUSE",
                    "suse" => "SUSE",
                    "mageia" => "Mageia",
                    "openeuler" => "openEuler",
                    _ => return None,
                };
                (eco, self.name.clone(), None)
            }
            "apk" => match ns? {
                "alpine" => (
                    "Alpine",
                    self.name.clone(),
                    distro.as_deref().and_then(alpine_release),
                ),
                _ => return None,
            },
            _ => return None,
        };
        Some(OsvPackage {
            ecosystem: ecosystem.to_owned(),
            release,
            name,
        })
    }
}

/// `alpine-3.16.2`, `3.16.2`, `v3.16` → `v3.16` (OSV's `Alpine:v3.16`).
fn alpine_release(distro: &str) -> Option<String> {
    let d = distro.strip_prefix("alpine-").unwrap_or(distro);
    let d = d.strip_prefix('v').unwrap_or(d);
    let mut parts = d.split('.');
    let (major, minor) = (parts.next()?, parts.next()?);
    (major.bytes().all(|b| b.is_ascii_digit()) && minor.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("v{major}.{minor}"))
}

/// `debian-12`, `bookworm`, `12.4` → `12`; `ubuntu-22.04` → `22.04`.
fn debian_release(ecosystem: &str, distro: &str) -> String {
    let d = distro
        .strip_prefix("debian-")
        .or_else(|| distro.strip_prefix("ubuntu-"))
        .unwrap_or(distro);
    let named = [
        ("jessie", "8"),
        ("stretch", "9"),
        ("buster", "10"),
        ("bullseye", "11"),
        ("bookworm", "12"),
        ("trixie", "13"),
    ];
    if let Some((_, n)) = named.iter().find(|(c, _)| *c == d) {
        return (*n).to_owned();
    }
    if ecosystem == "Debian" {
        // Debian's OSV releases are major numbers; point releases (12.4) belong to 12.
        return d.split('.').next().unwrap_or(d).to_owned();
    }
    d.to_owned()
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.package())?;
        if let Some(v) = &self.version {
            write!(f, "@{}", encode(v, false))?;
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            write!(f, "{}{k}={}", if i == 0 { '?' } else { '&' }, encode(v, false))?;
        }
        if let Some(s) = &self.subpath {
            write!(f, "#{}", encode(s, true))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_maps_the_sample_purls() {
        let p = Purl::parse(
            "pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?arch=x86_64&epoch=1&distro=centos-7.6.1810",
        )
        .unwrap();
        assert_eq!(p.comparable_version().as_deref(), Some("1:1.0.2k-16.el7"));
        assert_eq!(p.osv_package().unwrap().ecosystem, "CentOS");
        let m = Purl::parse("pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar").unwrap();
        assert_eq!(
            m.osv_package().unwrap().name,
            "com.fasterxml.jackson.core:jackson-databind"
        );
        let n = Purl::parse("pkg:npm/%40babel/core@7.0.0").unwrap();
        assert_eq!(n.osv_package().unwrap().name, "@babel/core");
        assert_eq!(n.to_string(), "pkg:npm/%40babel/core@7.0.0");
        let d = Purl::parse("pkg:deb/debian/curl@7.74.0-1.3?distro=bookworm").unwrap();
        assert_eq!(d.osv_package().unwrap().release.as_deref(), Some("12"));
        let apk = Purl::parse("pkg:apk/alpine/openssl@3.0.4-r0?arch=x86_64&distro=alpine-3.16.2").unwrap();
        assert_eq!(apk.osv_package().unwrap().release.as_deref(), Some("v3.16"));
        let py = Purl::parse("pkg:pypi/Django_Rest@1.0").unwrap();
        assert_eq!(py.name, "django-rest");
        let deb = Purl::parse("pkg:deb/debian/libssl1.1@1.1.1n-0+deb11u3?upstream=openssl&distro=debian-11")
            .unwrap();
        assert_eq!(deb.upstream().as_deref(), Some("openssl"));
        let rpm =
            Purl::parse("pkg:rpm/redhat/openssl-libs@1.0.2k-16.el7?upstream=openssl-1.0.2k-16.el7.src.rpm")
                .unwrap();
        assert_eq!(rpm.upstream().as_deref(), Some("openssl"));
        assert!(Purl::parse("npm/x@1").is_err());
        assert!(Purl::parse("pkg:npm/x%ZZ@1").is_err());
    }
}
