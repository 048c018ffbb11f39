//! Version ranges as products name them: the `vers` specification (`vers:generic/>=2.9|<=4.1`, constraints
//! sorted and read as alternating lower/upper bounds) and the bare comparator lists CSAF documents also use
//! (`<=1.14.0`, `>=1.0 <2.0`). `generic` versions are ordered with Maven's rules (numbers numerically, common
//! qualifiers), which fits the dotted product versions vendors publish.

use super::{Scheme, Version};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

fn scheme_of(vers_type: &str) -> Scheme {
    match vers_type {
        "npm" | "cargo" | "golang" | "semver" => Scheme::Semver,
        "pypi" => Scheme::Pep440,
        "composer" => Scheme::Composer,
        "rpm" => Scheme::Rpm,
        "deb" => Scheme::Debian,
        "apk" | "alpine" => Scheme::Alpine,
        _ => Scheme::Maven,
    }
}

/// Whether `version` is inside `range`; `None` when the range or the version cannot be read.
pub fn contains(range: &str, version: &str) -> Option<bool> {
    let (scheme, body) = match range.trim().strip_prefix("vers:") {
        Some(rest) => {
            let (ty, body) = rest.split_once('/')?;
            (scheme_of(&ty.to_ascii_lowercase()), body)
        }
        None => (Scheme::Maven, range.trim()),
    };
    if body == "*" {
        return Some(true);
    }
    let v = Version::parse(scheme, version).ok()?;
    let mut constraints = Vec::new();
    for c in body
        .split(['|', ' ', ','])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let (op, rest) = if let Some(r) = c.strip_prefix(">=") {
            (Op::Ge, r)
        } else if let Some(r) = c.strip_prefix("<=") {
            (Op::Le, r)
        } else if let Some(r) = c.strip_prefix("!=") {
            (Op::Ne, r)
        } else if let Some(r) = c.strip_prefix('>') {
            (Op::Gt, r)
        } else if let Some(r) = c.strip_prefix('<') {
            (Op::Lt, r)
        } else {
            (Op::Eq, c.strip_prefix('=').unwrap_or(c))
        };
        constraints.push((op, Version::parse(scheme, rest.trim()).ok()?));
    }
    if constraints.is_empty() {
        return None;
    }
    if constraints.iter().any(|(op, c)| *op == Op::Ne && *c == v) {
        return Some(false);
    }
    if constraints.iter().any(|(op, c)| *op == Op::Eq && *c == v) {
        return Some(true);
    }
    let mut bounds: Vec<&(Op, Version)> = constraints
        .iter()
        .filter(|(op, _)| !matches!(op, Op::Eq | Op::Ne))
        .collect();
    if bounds.is_empty() {
        return Some(false);
    }
    bounds.sort_by(|a, b| a.1.cmp(&b.1));
    let sat = |(op, c): &(Op, Version)| match op {
        Op::Lt => v < *c,
        Op::Le => v <= *c,
        Op::Gt => v > *c,
        Op::Ge => v >= *c,
        Op::Eq | Op::Ne => false,
    };
    let is_lower = |op: Op| matches!(op, Op::Gt | Op::Ge);
    let first = bounds[0];
    if !is_lower(first.0) && sat(first) {
        return Some(true);
    }
    let last = bounds[bounds.len() - 1];
    if is_lower(last.0) && sat(last) {
        return Some(true);
    }
    for pair in bounds.windows(2) {
        if is_lower(pair[0].0) && !is_lower(pair[1].0) && sat(pair[0]) && sat(pair[1]) {
            return Some(true);
        }
    }
    Some(false)
}

#[cfg(test)]
mod tests {
    use super::contains;

    #[test]
    fn vers_and_bare_ranges() {
        assert_eq!(contains("<=1.14.0", "1.14.0"), Some(true));
        assert_eq!(contains("<=1.14.0", "1.2.0"), Some(true));
        assert_eq!(contains("<=1.14.0", "1.15.0"), Some(false));
        assert_eq!(contains("vers:generic/>=2.9|<=4.1", "3.0"), Some(true));
        assert_eq!(contains("vers:generic/>=2.9|<=4.1", "4.2"), Some(false));
        assert_eq!(contains("vers:generic/>=2.9|<=4.1", "2.8"), Some(false));
        assert_eq!(contains("vers:npm/1.0.0|2.0.0", "2.0.0"), Some(true));
        assert_eq!(contains("vers:generic/>=1.0|<=2.3|>=4.0", "5"), Some(true));
    }
}
