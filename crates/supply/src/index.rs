//! The knowledge base and SBOM evaluation. Advisories are indexed by (OSV ecosystem, package name) with their
//! ranges compiled once; VEX statements by vulnerability id and by product identity; KEV entries by CVE.
//! `evaluate` answers, for each component, its findings or why it was not evaluated — never a silent "not
//! vulnerable": unknown ecosystems, versions that do not parse, advisories whose ranges cannot be evaluated or
//! that have no ranges are each counted under a reason.

use std::collections::HashMap;

/// Maps keyed by short strings: foldhash is several times faster than SipHash on them, and its `RandomState`
/// seeds every map at random, so colliding keys cannot be prepared in advance.
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type Set<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

use serde::{Deserialize, Serialize};

use crate::advisory::{Advisory, Kev, Knowledge, VexStatement, VexStatus, is_cve};
use crate::purl::Purl;
use crate::sbom::{Component, Sbom};
use crate::statement::{StatementIndex, matches_product};
use crate::versions::{CompiledRange, RangeError, RangeKind, Scheme, Version};

/// A finding's status after VEX statements are applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FindingStatus {
    /// In an affected range (or stated affected); `action` is the supplier's action statement when one exists.
    Affected {
        action: Option<String>,
    },
    /// Suppressed by a `not_affected` statement, whose justification and detail are kept.
    NotAffected {
        justification: Option<String>,
        detail: Option<String>,
    },
    /// A statement says this product version carries the fix.
    Fixed {
        detail: Option<String>,
    },
    UnderInvestigation {
        detail: Option<String>,
    },
}

/// One vulnerability in one component.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The component's label (PURL, else CPE, else name@version).
    pub component: String,
    /// Index into `Sbom::components`; `None` for a statement about the SBOM's subject itself.
    pub component_index: Option<usize>,
    /// A CVE id when one is known, else the advisory id.
    pub vulnerability: String,
    /// Every other id of the vulnerability (advisory ids, aliases).
    pub aliases: Vec<String>,
    /// The advisories (OSV ids) and statement sources (CSAF tracking ids, CycloneDX serials) that contributed.
    pub advisories: Vec<String>,
    pub status: FindingStatus,
    pub kev: Option<Kev>,
    /// The CVSS vector used for decisions (v3.x preferred, then v4.0, then v2).
    pub cvss: Option<String>,
    pub summary: Option<String>,
    /// `fixed` versions of the ranges that matched (what to upgrade to).
    pub fixed_in: Vec<String>,
    /// The installed version was read leniently (a partial version such as `0.14`).
    pub version_coerced: bool,
}

/// Why a component (or one advisory for it) was not evaluated.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// Neither a PURL nor a CPE.
    NoIdentifier,
    InvalidPurl {
        error: String,
    },
    /// Only a CPE: OSV ranges are keyed by package, and no statement named the CPE.
    CpeOnly,
    /// A PURL type with no OSV ecosystem.
    UnknownEcosystem {
        purl_type: String,
    },
    /// An ecosystem whose version ordering is not implemented.
    NoVersionOrdering {
        ecosystem: String,
    },
    /// The knowledge base holds no advisory for this ecosystem at all, so absence of findings means nothing.
    NoKnowledgeForEcosystem {
        ecosystem: String,
    },
    NoVersion,
    UnparseableVersion {
        version: String,
        error: String,
    },
    /// The advisories are per distribution release and the component does not say which release.
    ReleaseUnknown {
        ecosystem: String,
    },
    /// An advisory names the package but its ranges could not be evaluated (GIT ranges, unparseable versions)
    /// or it has none.
    AdvisoryNotEvaluable {
        advisory: String,
        why: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotEvaluated {
    pub component: String,
    pub component_index: usize,
    #[serde(flatten)]
    pub reason: Reason,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub not_evaluated: Vec<NotEvaluated>,
    /// Components whose every candidate advisory was evaluated.
    pub evaluated: usize,
    pub components: usize,
}

struct AffectedEntry {
    release: Option<String>,
    ranges: Vec<Result<CompiledRange, RangeError>>,
    versions: Vec<String>,
    fixed: Vec<String>,
}

struct Entry {
    advisory: Advisory,
    /// The first CVE among id and aliases, else the id: what findings are named by.
    name: String,
    affected: Vec<AffectedEntry>,
    /// Replaced by a later record with the same id.
    replaced: bool,
}

/// Ids and scores known about a vulnerability from any source (CSAF scores, CycloneDX ratings, OSV severity).
#[derive(Clone, Debug, Default)]
struct Meta {
    cvss: Vec<String>,
    summary: Option<String>,
}

/// Everything known: advisories, statements and KEV entries.
#[derive(Default)]
pub struct KnowledgeBase {
    entries: Vec<Entry>,
    by_id: Map<String, usize>,
    by_package: Map<(String, String), Vec<(u32, u32)>>,
    ecosystems: Set<String>,
    statements: StatementIndex,
    kev: Map<String, Kev>,
    meta: Map<String, Meta>,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("advisories", &self.by_id.len())
            .field("statements", &self.statements.len())
            .field("kev", &self.kev.len())
            .finish()
    }
}

/// The OSV package name as compared: PyPI names normalised (PEP 503), Composer names lower case.
fn package_key(ecosystem: &str, name: &str) -> (String, String) {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem).to_owned();
    let name = match base.as_str() {
        "PyPI" => name.to_ascii_lowercase().replace(['_', '.'], "-"),
        "Packagist" => name.to_ascii_lowercase(),
        _ => name.to_owned(),
    };
    (base, name)
}

/// Preference among CVSS vectors: v3.x first, then v4.0, then v2 (no prefix).
fn cvss_rank(v: &str) -> u8 {
    if v.starts_with("CVSS:3") {
        0
    } else if v.starts_with("CVSS:4") {
        1
    } else {
        2
    }
}

impl KnowledgeBase {
    pub fn new() -> KnowledgeBase {
        KnowledgeBase::default()
    }

    /// Adds every piece of knowledge of a parsed document.
    pub fn extend(&mut self, knowledge: impl IntoIterator<Item = Knowledge>) {
        for k in knowledge {
            self.add(k);
        }
    }

    /// Adds one piece of knowledge. An advisory with an id already present replaces it; a KEV entry replaces the
    /// entry for its CVE; statements accumulate.
    pub fn add(&mut self, knowledge: Knowledge) {
        match knowledge {
            Knowledge::Advisory(a) => self.add_advisory(a),
            Knowledge::Vex(s) => self.statements.add(s),
            Knowledge::Kev(k) => {
                self.kev.insert(k.cve.clone(), k);
            }
        }
    }

    /// Replaces the whole KEV catalogue (a KEV update), returning the CVEs added and removed.
    pub fn replace_kev(&mut self, entries: Vec<Kev>) -> (Vec<String>, Vec<String>) {
        let new: Map<String, Kev> = entries.into_iter().map(|k| (k.cve.clone(), k)).collect();
        let added = new
            .keys()
            .filter(|c| !self.kev.contains_key(*c))
            .cloned()
            .collect();
        let removed = self
            .kev
            .keys()
            .filter(|c| !new.contains_key(*c))
            .cloned()
            .collect();
        self.kev = new;
        (added, removed)
    }

    pub fn kev(&self, cve: &str) -> Option<&Kev> {
        self.kev.get(cve)
    }

    pub fn advisory_count(&self) -> usize {
        self.by_id.len()
    }

    fn add_advisory(&mut self, advisory: Advisory) {
        for id in std::iter::once(&advisory.id).chain(&advisory.aliases) {
            let meta = self.meta.entry(id.clone()).or_default();
            for v in &advisory.cvss {
                if !meta.cvss.contains(v) {
                    meta.cvss.push(v.clone());
                }
            }
            if meta.summary.is_none() {
                meta.summary.clone_from(&advisory.summary);
            }
        }
        if advisory.affected.is_empty() {
            // Vulnerability facts only (CSAF, CycloneDX VEX): nothing to match by package.
            return;
        }
        let index = self.entries.len();
        if let Some(old) = self.by_id.insert(advisory.id.clone(), index) {
            self.entries[old].replaced = true;
        }
        let mut affected = Vec::with_capacity(advisory.affected.len());
        for (j, a) in advisory.affected.iter().enumerate() {
            let scheme = Scheme::for_ecosystem(&a.ecosystem);
            let ranges = a
                .ranges
                .iter()
                .map(|r| match (scheme, r.kind) {
                    (Some(s), _) => r.compile(s),
                    // SEMVER ranges are evaluable whatever the ecosystem.
                    (None, RangeKind::Semver) => r.compile(Scheme::Semver),
                    (None, RangeKind::Git) => Err(RangeError::Git),
                    (None, RangeKind::Ecosystem) => Err(RangeError::NoOrdering(a.ecosystem.clone())),
                })
                .collect();
            let fixed = a
                .ranges
                .iter()
                .flat_map(|r| &r.events)
                .filter_map(|e| match e {
                    crate::versions::Event::Fixed(v) => Some(v.clone()),
                    _ => None,
                })
                .collect();
            let release = a.ecosystem.split_once(':').map(|(_, r)| r.to_owned());
            if !a.name.is_empty() {
                let key = package_key(&a.ecosystem, &a.name);
                self.ecosystems.insert(key.0.clone());
                self.by_package
                    .entry(key)
                    .or_default()
                    .push((index as u32, j as u32));
            }
            affected.push(AffectedEntry {
                release,
                ranges,
                versions: a.versions.clone(),
                fixed,
            });
        }
        let name = advisory.cves().next().unwrap_or(&advisory.id).to_owned();
        self.entries.push(Entry {
            advisory,
            name,
            affected,
            replaced: false,
        });
    }

    /// Evaluates every component of an SBOM.
    pub fn evaluate(&self, sbom: &Sbom) -> Evaluation {
        let mut out = Evaluation {
            components: sbom.components.len(),
            ..Evaluation::default()
        };
        let subject = sbom.subject.clone().or_else(|| {
            sbom.name.clone().map(|name| Component {
                name,
                version: sbom.version.clone(),
                ..Component::default()
            })
        });
        let subject_statements: Vec<&VexStatement> = match &subject {
            Some(s) => self
                .statements
                .candidates(s, s.purl.as_deref().and_then(|p| Purl::parse(p).ok()).as_ref())
                .into_iter()
                .filter(|st| matches_product(&st.product, s, sbom))
                .collect(),
            None => Vec::new(),
        };
        for (i, c) in sbom.components.iter().enumerate() {
            self.evaluate_component(i, c, sbom, &subject_statements, &mut out);
        }
        // Statements saying the product itself is affected, with no component finding for that vulnerability.
        if let Some(s) = &subject {
            for st in &subject_statements {
                if st.status != VexStatus::Affected {
                    continue;
                }
                if out
                    .findings
                    .iter()
                    .any(|f| f.vulnerability == st.vulnerability || f.aliases.contains(&st.vulnerability))
                {
                    continue;
                }
                let mut f = self.statement_finding(st, s.label(), None);
                self.decorate(&mut f);
                out.findings.push(f);
            }
        }
        out
    }

    fn evaluate_component(
        &self,
        i: usize,
        c: &Component,
        sbom: &Sbom,
        subject_statements: &[&VexStatement],
        out: &mut Evaluation,
    ) {
        let label = c.label();
        let not = |reason| NotEvaluated {
            component: label.clone(),
            component_index: i,
            reason,
        };
        // This component's findings are appended to `out.findings` from `start` (no second move of each one).
        let start = out.findings.len();
        let findings = &mut out.findings;
        let mut reasons: Vec<Reason> = Vec::new();
        let purl = c.purl.as_deref().map(Purl::parse);
        let own_statements: Vec<&VexStatement> = self
            .statements
            .candidates(c, purl.as_ref().and_then(|p| p.as_ref().ok()))
            .into_iter()
            .filter(|st| matches_product(&st.product, c, sbom))
            .collect();
        match (purl, c.cpes.is_empty()) {
            (None, true) => reasons.push(Reason::NoIdentifier),
            (None, false) => {
                if own_statements.is_empty() {
                    reasons.push(Reason::CpeOnly);
                }
            }
            (Some(Err(e)), _) => reasons.push(Reason::InvalidPurl { error: e.to_string() }),
            (Some(Ok(purl)), _) => self.match_purl(&purl, c, &label, i, findings, &mut reasons),
        }
        // Statements about this component that say it is affected (or under investigation) add findings.
        for st in &own_statements {
            if matches!(st.status, VexStatus::Affected | VexStatus::UnderInvestigation)
                && !findings[start..]
                    .iter()
                    .any(|f| f.vulnerability == st.vulnerability || f.aliases.contains(&st.vulnerability))
            {
                findings.push(self.statement_finding(st, label.clone(), Some(i)));
            }
        }
        for f in &mut findings[start..] {
            apply_statements(f, &own_statements, subject_statements);
            self.decorate(f);
        }
        if reasons.is_empty() {
            out.evaluated += 1;
        }
        out.not_evaluated.extend(reasons.into_iter().map(not));
    }

    fn match_purl(
        &self,
        purl: &Purl,
        c: &Component,
        label: &str,
        i: usize,
        findings: &mut Vec<Finding>,
        reasons: &mut Vec<Reason>,
    ) {
        let Some(pkg) = purl.osv_package() else {
            reasons.push(Reason::UnknownEcosystem {
                purl_type: purl.ty.clone(),
            });
            return;
        };
        let key = package_key(&pkg.ecosystem, &pkg.name);
        if !self.ecosystems.contains(&key.0) {
            reasons.push(Reason::NoKnowledgeForEcosystem {
                ecosystem: pkg.ecosystem.clone(),
            });
            return;
        }
        // Distribution advisories may name the source package (Debian always does): look up both names.
        let source = match purl.ty.as_str() {
            "deb" | "rpm" | "apk" => purl
                .upstream()
                .or_else(|| c.source.clone())
                .filter(|s| *s != pkg.name),
            _ => None,
        };
        let by_source = source.and_then(|s| self.by_package.get(&package_key(&pkg.ecosystem, &s)));
        let by_name = self.by_package.get(&key);
        let candidates: std::borrow::Cow<'_, [(u32, u32)]> = match (by_name, by_source) {
            (None, None) => return, // Known ecosystem, no advisory for this package: evaluated, nothing found.
            (Some(a), None) | (None, Some(a)) => a.as_slice().into(),
            (Some(a), Some(b)) => {
                let mut all: Vec<(u32, u32)> = a.iter().chain(b).copied().collect();
                all.sort_unstable();
                all.dedup();
                all.into()
            }
        };
        let Some(version_text) = purl.comparable_version().or_else(|| c.version.clone()) else {
            reasons.push(Reason::NoVersion);
            return;
        };
        // The installed version, parsed once per scheme a candidate needs (at most a few schemes).
        let mut parsed: Vec<(Scheme, Result<Version, String>)> = Vec::new();
        let mut by_vulnerability: Map<&str, usize> = Map::default();
        let mut release_unknown = false;
        let mut no_ordering = false;
        let mut unparseable: Option<String> = None;
        for &(e, a) in candidates.iter() {
            let entry = &self.entries[e as usize];
            if entry.replaced || entry.advisory.withdrawn {
                continue;
            }
            let affected = &entry.affected[a as usize];
            if let Some(release) = &affected.release {
                match &pkg.release {
                    None => {
                        release_unknown = true;
                        continue;
                    }
                    Some(r) if r != release => continue,
                    Some(_) => {}
                }
            }
            let mut hit = affected
                .versions
                .iter()
                .any(|v| *v == version_text || c.version.as_deref() == Some(v));
            let mut coerced = false;
            let mut why: Option<String> = None;
            for r in &affected.ranges {
                if hit {
                    break;
                }
                match r {
                    Err(RangeError::NoOrdering(_)) => no_ordering = true,
                    Err(e) => why = Some(e.to_string()),
                    Ok(range) => {
                        let scheme = range.scheme();
                        let slot = match parsed.iter().position(|(s, _)| *s == scheme) {
                            Some(k) => k,
                            None => {
                                let r = Version::parse(scheme, &version_text).map_err(|e| e.to_string());
                                parsed.push((scheme, r));
                                parsed.len() - 1
                            }
                        };
                        match &parsed[slot].1 {
                            Ok(v) => {
                                if range.contains(v) {
                                    hit = true;
                                    coerced = v.coerced();
                                }
                            }
                            Err(e) => unparseable = Some(e.clone()),
                        }
                    }
                }
            }
            if affected.ranges.is_empty() && affected.versions.is_empty() {
                why = Some("the advisory lists no ranges or versions for this package".into());
            }
            if hit {
                self.add_advisory_finding(
                    findings,
                    &mut by_vulnerability,
                    entry,
                    affected,
                    label,
                    i,
                    coerced,
                );
            } else if let Some(why) = why {
                reasons.push(Reason::AdvisoryNotEvaluable {
                    advisory: entry.advisory.id.clone(),
                    why,
                });
            }
        }
        if let Some(error) = unparseable {
            reasons.push(Reason::UnparseableVersion {
                version: version_text.clone(),
                error,
            });
        }
        if no_ordering {
            reasons.push(Reason::NoVersionOrdering {
                ecosystem: pkg.ecosystem.clone(),
            });
        }
        if release_unknown {
            reasons.push(Reason::ReleaseUnknown {
                ecosystem: pkg.ecosystem,
            });
        }
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "the state of one component's matching, kept on the stack"
    )]
    fn add_advisory_finding<'s>(
        &'s self,
        findings: &mut Vec<Finding>,
        by_vulnerability: &mut Map<&'s str, usize>,
        entry: &'s Entry,
        affected: &AffectedEntry,
        label: &str,
        i: usize,
        coerced: bool,
    ) {
        let adv = &entry.advisory;
        let vulnerability: &'s str = &entry.name;
        let f = match by_vulnerability.get(vulnerability) {
            Some(&k) => &mut findings[k],
            None => {
                by_vulnerability.insert(vulnerability, findings.len());
                findings.push(Finding {
                    component: label.to_owned(),
                    component_index: Some(i),
                    vulnerability: vulnerability.to_owned(),
                    aliases: Vec::new(),
                    advisories: Vec::new(),
                    status: FindingStatus::Affected { action: None },
                    kev: None,
                    cvss: None,
                    summary: adv.summary.clone(),
                    fixed_in: Vec::new(),
                    version_coerced: false,
                });
                let last = findings.len() - 1;
                &mut findings[last]
            }
        };
        f.version_coerced |= coerced;
        if !f.advisories.contains(&adv.id) {
            f.advisories.push(adv.id.clone());
        }
        for id in std::iter::once(&adv.id).chain(&adv.aliases) {
            if *id != f.vulnerability && !f.aliases.contains(id) {
                f.aliases.push(id.clone());
            }
        }
        for v in &affected.fixed {
            if !f.fixed_in.contains(v) {
                f.fixed_in.push(v.clone());
            }
        }
    }

    fn statement_finding(&self, st: &VexStatement, component: String, index: Option<usize>) -> Finding {
        let mut f = Finding {
            component,
            component_index: index,
            vulnerability: st.vulnerability.clone(),
            aliases: st.aliases.clone(),
            advisories: vec![st.source.clone()],
            status: FindingStatus::Affected { action: None },
            kev: None,
            cvss: None,
            summary: None,
            fixed_in: Vec::new(),
            version_coerced: false,
        };
        apply_statements(&mut f, &[st], &[]);
        f
    }

    /// KEV status, CVSS vector and summary from everything known under any of the finding's ids.
    fn decorate(&self, f: &mut Finding) {
        let (kev, cvss, summary) = {
            let ids = || std::iter::once(&f.vulnerability).chain(&f.aliases);
            let kev = self.kev_of(ids());
            let mut best: Option<&String> = None;
            let mut summary: Option<&String> = None;
            for id in ids() {
                if let Some(m) = self.meta.get(id.as_str()) {
                    for v in &m.cvss {
                        if best.is_none_or(|b| cvss_rank(v) < cvss_rank(b)) {
                            best = Some(v);
                        }
                    }
                    if summary.is_none() {
                        summary = m.summary.as_ref();
                    }
                }
            }
            (
                kev,
                best.cloned(),
                if f.summary.is_none() {
                    summary.cloned()
                } else {
                    None
                },
            )
        };
        f.kev = kev;
        f.cvss = cvss;
        if summary.is_some() {
            f.summary = summary;
        }
    }

    fn kev_of<'a>(&self, mut ids: impl Iterator<Item = &'a String>) -> Option<Kev> {
        ids.find_map(|id| {
            if is_cve(id) {
                self.kev.get(id.as_str())
            } else {
                None
            }
        })
        .cloned()
    }

    /// Re-attaches KEV entries after a KEV update (`replace_kev`) without re-matching: the result equals
    /// evaluating the SBOM again, since KEV changes nothing but the `kev` of findings.
    pub fn refresh_kev(&self, evaluation: &mut Evaluation) {
        for f in &mut evaluation.findings {
            let kev = self.kev_of(std::iter::once(&f.vulnerability).chain(&f.aliases));
            f.kev = kev;
        }
    }
}

/// Applies the statements for the finding's vulnerability: a statement about the component wins over one
/// about the SBOM's product; among several, the last added wins.
fn apply_statements(f: &mut Finding, own: &[&VexStatement], subject: &[&VexStatement]) {
    let about = |st: &&&VexStatement| {
        st.vulnerability == f.vulnerability
            || f.aliases.contains(&st.vulnerability)
            || st.aliases.contains(&f.vulnerability)
    };
    let chosen = own.iter().rfind(about).or_else(|| subject.iter().rfind(about));
    let Some(st) = chosen else { return };
    f.status = match st.status {
        VexStatus::Affected => FindingStatus::Affected {
            action: st.action.clone(),
        },
        VexStatus::NotAffected => FindingStatus::NotAffected {
            justification: st.justification.clone(),
            detail: st.detail.clone(),
        },
        VexStatus::Fixed => FindingStatus::Fixed {
            detail: st.detail.clone().or(st.action.clone()),
        },
        VexStatus::UnderInvestigation => FindingStatus::UnderInvestigation {
            detail: st.detail.clone(),
        },
    };
    if !f.advisories.contains(&st.source) {
        f.advisories.push(st.source.clone());
    }
}
