//! Software identifiers: package URLs and CPE names (shared with the supply-chain issue).
//!
//! - PURL (`pkg:type/namespace/name@version?qualifiers#subpath`): the type lowercase, the namespace and name
//!   as written, qualifiers and subpath dropped (they do not name another product). Without a version it
//!   covers every version of the package.
//! - CPE: a 2.3 formatted string (`cpe:2.3:part:vendor:product:version:…`, 11 attributes after `2.3`,
//!   missing trailing ones read as `*`) or a 2.2 URI (`cpe:/a:vendor:product:version`), normalised to the 2.3
//!   form in lowercase. `*` (ANY) covers every value; vendor and product must be named.

use std::fmt;

/// A normalised software identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Software {
    /// A package URL.
    Purl {
        /// The package type (`npm`, `pypi`, …), lowercase.
        ty: String,
        /// The namespace path, possibly empty.
        namespace: String,
        /// The name.
        name: String,
        /// The version, when one is named.
        version: Option<String>,
    },
    /// A CPE as its 11 attributes (part, vendor, product, version, update, edition, language, sw_edition,
    /// target_sw, target_hw, other); `*` is ANY.
    Cpe(Vec<String>),
}

const CPE_ATTRIBUTES: usize = 11;

impl Software {
    /// Reads a PURL or CPE.
    pub fn parse(text: &str) -> Result<Software, String> {
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("pkg:") {
            parse_purl(text)
        } else if let Some(rest) = lower.strip_prefix("cpe:2.3:") {
            parse_cpe23(rest)
        } else if let Some(rest) = lower.strip_prefix("cpe:/") {
            parse_cpe22(rest)
        } else {
            Err("not a package URL (pkg:…) or CPE (cpe:2.3:… or cpe:/…)".to_owned())
        }
    }

    /// Whether every product this identifier names is one `self` names too.
    pub fn covers(&self, other: &Software) -> bool {
        match (self, other) {
            (
                Software::Purl {
                    ty,
                    namespace,
                    name,
                    version,
                },
                Software::Purl {
                    ty: ty2,
                    namespace: ns2,
                    name: name2,
                    version: v2,
                },
            ) => ty == ty2 && namespace == ns2 && name == name2 && (version.is_none() || version == v2),
            (Software::Cpe(a), Software::Cpe(b)) => a.iter().zip(b).all(|(x, y)| x == "*" || x == y),
            _ => false,
        }
    }

    /// Whether the two name a common product (symmetric).
    pub fn overlaps(&self, other: &Software) -> bool {
        match (self, other) {
            (Software::Cpe(a), Software::Cpe(b)) => {
                a.iter().zip(b).all(|(x, y)| x == "*" || y == "*" || x == y)
            }
            _ => self.covers(other) || other.covers(self),
        }
    }

    /// The key the index files it under: `purl:type/namespace/name` or `cpe:vendor:product`.
    pub fn product_key(&self) -> String {
        match self {
            Software::Purl {
                ty, namespace, name, ..
            } => format!("purl:{ty}/{namespace}/{name}"),
            Software::Cpe(attributes) => format!("cpe:{}:{}", attributes[1], attributes[2]),
        }
    }
}

impl fmt::Display for Software {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Software::Purl {
                ty,
                namespace,
                name,
                version,
            } => {
                write!(f, "pkg:{ty}/")?;
                if !namespace.is_empty() {
                    write!(f, "{namespace}/")?;
                }
                f.write_str(name)?;
                if let Some(version) = version {
                    write!(f, "@{version}")?;
                }
                Ok(())
            }
            Software::Cpe(attributes) => write!(f, "cpe:2.3:{}", attributes.join(":")),
        }
    }
}

fn parse_purl(text: &str) -> Result<Software, String> {
    let rest = &text["pkg:".len()..];
    let rest = rest.trim_start_matches('/');
    let rest = rest.split('#').next().unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or(rest);
    let (ty, path) = rest
        .split_once('/')
        .ok_or_else(|| "a package URL needs pkg:type/name".to_owned())?;
    let ty = ty.to_ascii_lowercase();
    if ty.is_empty()
        || !ty.starts_with(|c: char| c.is_ascii_alphabetic())
        || !ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '+' || c == '-')
    {
        return Err(format!("package type {ty:?} is not a PURL type"));
    }
    let (path, version) = match path.rsplit_once('@') {
        Some((path, version)) if !version.is_empty() => (path, Some(version.to_owned())),
        Some(_) => return Err("an empty version after '@'".to_owned()),
        None => (path, None),
    };
    let path = path.trim_end_matches('/');
    let (namespace, name) = match path.rsplit_once('/') {
        Some((namespace, name)) => (namespace.to_owned(), name.to_owned()),
        None => (String::new(), path.to_owned()),
    };
    if name.is_empty() {
        return Err("a package URL without a name".to_owned());
    }
    if [&namespace, &name]
        .iter()
        .any(|part| part.chars().any(|c| c.is_whitespace() || c.is_control()))
    {
        return Err("whitespace in a package URL (percent-encode it)".to_owned());
    }
    Ok(Software::Purl {
        ty,
        namespace,
        name,
        version,
    })
}

/// Splits on `:` not escaped by `\`.
fn split_cpe(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut escaped = false;
    for c in text.chars() {
        match c {
            ':' if !escaped => parts.push(String::new()),
            _ => {
                escaped = c == '\\' && !escaped;
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts
}

fn finish_cpe(mut attributes: Vec<String>) -> Result<Software, String> {
    if attributes.len() > CPE_ATTRIBUTES {
        return Err(format!("a CPE has at most {CPE_ATTRIBUTES} attributes"));
    }
    attributes.resize(CPE_ATTRIBUTES, "*".to_owned());
    for attribute in &mut attributes {
        if attribute.is_empty() {
            *attribute = "*".to_owned();
        }
        if attribute.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("whitespace in a CPE attribute".to_owned());
        }
    }
    if !matches!(attributes[0].as_str(), "a" | "o" | "h" | "*") {
        return Err(format!("CPE part {:?} is not a, o or h", attributes[0]));
    }
    if attributes[1] == "*" || attributes[2] == "*" || attributes[1] == "-" || attributes[2] == "-" {
        return Err("a CPE claim must name its vendor and product".to_owned());
    }
    Ok(Software::Cpe(attributes))
}

fn parse_cpe23(rest: &str) -> Result<Software, String> {
    finish_cpe(split_cpe(rest))
}

fn parse_cpe22(rest: &str) -> Result<Software, String> {
    // 2.2 URIs pack edition, sw_edition, target_sw, target_hw and other into the edition with `~`; only the
    // first seven components are read, which is enough to name a product.
    let parts: Vec<String> = rest.split(':').map(str::to_owned).collect();
    if parts.len() > 7 {
        return Err("a CPE 2.2 URI has at most 7 components".to_owned());
    }
    finish_cpe(parts)
}
