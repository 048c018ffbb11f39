//! Which VEX/CSAF statements are about which component. A statement's product matches a component by PURL
//! (same package; same version when the statement names one), by CPE (2.3 or 2.2 form; `*` and `-` in the
//! statement match anything), by `bom-ref` (only when the statement's BOM-Link serial, if any, is the SBOM's),
//! or by name (case-insensitive; vendor checked against the supplier when both are known) with the version equal
//! or inside the statement's version range. A statement naming a product without any version constraint
//! matches every version of it.

use crate::advisory::{Product, VexStatement};
use crate::index::Map;
use crate::purl::Purl;
use crate::sbom::{Component, Sbom};
use crate::versions::vers;

#[derive(Default)]
pub(crate) struct StatementIndex {
    all: Vec<VexStatement>,
    by_package: Map<String, Vec<usize>>,
    by_cpe: Map<(String, String), Vec<usize>>,
    by_name: Map<String, Vec<usize>>,
    by_ref: Map<String, Vec<usize>>,
}

/// CPE vendor and product, lower case (`cpe:2.3:a:elastic:elasticsearch:…`, `cpe:/a:elastic:elasticsearch:…`).
fn cpe_parts(cpe: &str) -> Option<Vec<String>> {
    let rest = cpe
        .strip_prefix("cpe:2.3:")
        .or_else(|| cpe.strip_prefix("cpe:/"))?;
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for ch in rest.chars() {
        if escaped {
            cur.push(ch);
            escaped = false;
        } else if ch == '\\' {
            escaped = true;
        } else if ch == ':' {
            parts.push(std::mem::take(&mut cur).to_ascii_lowercase());
        } else {
            cur.push(ch);
        }
    }
    parts.push(cur.to_ascii_lowercase());
    (parts.len() >= 3).then_some(parts)
}

fn cpe_key(cpe: &str) -> Option<(String, String)> {
    cpe_parts(cpe).map(|p| (p[1].clone(), p[2].clone()))
}

/// Whether the statement's CPE (a pattern: `*`, `-` and empty match anything) names the component's CPE.
fn cpe_matches(pattern: &str, cpe: &str) -> bool {
    let (Some(p), Some(c)) = (cpe_parts(pattern), cpe_parts(cpe)) else {
        return false;
    };
    p.iter().enumerate().all(|(i, f)| {
        f.is_empty() || f == "*" || f == "-" || c.get(i).is_some_and(|g| g == f || g == "*" || g == "-")
    })
}

impl StatementIndex {
    pub(crate) fn len(&self) -> usize {
        self.all.len()
    }

    pub(crate) fn add(&mut self, st: VexStatement) {
        let i = self.all.len();
        let p = &st.product;
        if let Some(purl) = p.purl.as_deref().and_then(|p| Purl::parse(p).ok()) {
            self.by_package.entry(purl.package()).or_default().push(i);
        }
        if let Some(key) = p.cpe.as_deref().and_then(cpe_key) {
            self.by_cpe.entry(key).or_default().push(i);
        }
        if let Some(name) = &p.name {
            self.by_name.entry(name.to_lowercase()).or_default().push(i);
        }
        if let Some(r) = &p.bom_ref {
            self.by_ref.entry(r.clone()).or_default().push(i);
        }
        self.all.push(st);
    }

    /// Statements that may be about `c` (to be confirmed with `matches_product`), in the order added.
    pub(crate) fn candidates(&self, c: &Component, purl: Option<&Purl>) -> Vec<&VexStatement> {
        if self.all.is_empty() {
            return Vec::new();
        }
        let mut idx: Vec<usize> = Vec::new();
        if let Some(purl) = purl {
            idx.extend(self.by_package.get(&purl.package()).into_iter().flatten());
        }
        for cpe in &c.cpes {
            if let Some(key) = cpe_key(cpe) {
                idx.extend(self.by_cpe.get(&key).into_iter().flatten());
            }
        }
        idx.extend(self.by_name.get(&c.name.to_lowercase()).into_iter().flatten());
        if let Some(r) = &c.reference {
            idx.extend(self.by_ref.get(r).into_iter().flatten());
        }
        idx.sort_unstable();
        idx.dedup();
        idx.into_iter().map(|i| &self.all[i]).collect()
    }
}

fn version_ok(p: &Product, version: Option<&str>) -> bool {
    match (&p.version, &p.version_range, version) {
        (None, None, _) => true,
        (_, _, None) => false,
        (Some(want), _, Some(v)) => want == v || vers::contains(&format!("={want}"), v) == Some(true),
        (None, Some(range), Some(v)) => vers::contains(range, v) == Some(true),
    }
}

/// Whether the statement's product is the component `c` of `sbom`.
pub(crate) fn matches_product(p: &Product, c: &Component, sbom: &Sbom) -> bool {
    if let (Some(sp), Some(cp)) = (&p.purl, &c.purl)
        && let (Ok(sp), Ok(cp)) = (Purl::parse(sp), Purl::parse(cp))
        && sp.package() == cp.package()
    {
        return match (&sp.version, &cp.version) {
            (None, _) => true,
            (Some(a), Some(b)) => a == b,
            (Some(_), None) => false,
        };
    }
    if let Some(pattern) = &p.cpe
        && c.cpes.iter().any(|cpe| cpe_matches(pattern, cpe))
    {
        return true;
    }
    if let (Some(r), Some(cr)) = (&p.bom_ref, &c.reference)
        && r == cr
        && (p.bom_serial.is_none() || p.bom_serial == sbom.serial)
    {
        return true;
    }
    if let Some(name) = &p.name
        && name.eq_ignore_ascii_case(&c.name)
    {
        let vendor_ok = match (&p.vendor, &c.supplier) {
            (Some(v), Some(s)) => s.to_lowercase().contains(&v.to_lowercase()),
            _ => true,
        };
        return vendor_ok && version_ok(p, c.version.as_deref());
    }
    false
}
