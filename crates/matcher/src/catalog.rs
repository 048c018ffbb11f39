//! The catalog: every anchor of every indexed leaf, arranged so that one SCO finds its candidates with a
//! handful of hash probes.
//!
//! Per object type there is a [`TypeTable`]: the object paths that carry anchors for that type (the
//! *probes*; an SCO is read only at these paths) and the *fallback* postings of leaves with no anchor for
//! that type. The anchors themselves live in three shared structures keyed by path id: exact values
//! ([`PostingMap`]), CIDR networks ([`CidrIndex`]) and required literals ([`PathLiterals`]).
//!
//! Invariant: `remove_leaf` with the same arguments undoes `insert_leaf` exactly, because both derive the
//! anchors from the same expression with the same pure function (`anchor::plan_for_type`).

use serde_json::Value;
use stix_pattern::ast::{ComparisonExpr, ObjectPath, PathStep};

use crate::anchor::{Anchor, Scalar, TypePlan, object_types, plan_for_type};
use crate::cidr::{CidrIndex, IpNet};
use crate::literal::PathLiterals;
use crate::path::{Resolve, for_each_value};
use crate::postings::{Posting, PostingMap, key_hash};

/// Counts of what the catalog holds, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatalogStats {
    /// Distinct (object type, path) pairs probed.
    pub n_paths: usize,
    /// Distinct exact-value keys.
    pub n_exact_keys: usize,
    /// Leaf postings on fallback lists (evaluated for every SCO of their type).
    pub n_fallback: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Catalog {
    path_ids: hashbrown::HashMap<ObjectPath, u32>,
    types: hashbrown::HashMap<String, TypeTable>,
    exact: PostingMap,
    cidr: CidrIndex,
    literals: hashbrown::HashMap<u32, PathLiterals>,
    n_fallback: usize,
}

#[derive(Debug, Default)]
struct TypeTable {
    probes: Vec<Probe>,
    probe_by_path: hashbrown::HashMap<u32, usize>,
    /// Probes by the property their path starts with: an SCO has few properties, a type many probes, so a
    /// query walks the SCO's properties and reads only the probes they can feed.
    probes_by_first_key: hashbrown::HashMap<String, Vec<usize>>,
    fallback: Vec<Posting>,
}

/// One path read from SCOs of a type, with how many anchors of each kind use it.
#[derive(Debug)]
struct Probe {
    path_id: u32,
    steps: Vec<PathStep>,
    n_exact: u32,
    n_cidr: u32,
    n_literal: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Insert,
    Remove,
}

impl Catalog {
    pub(crate) fn insert_leaf(&mut self, expr: &ComparisonExpr, posting: Posting) {
        self.change_leaf(expr, posting, Change::Insert);
    }

    pub(crate) fn remove_leaf(&mut self, expr: &ComparisonExpr, posting: Posting) {
        self.change_leaf(expr, posting, Change::Remove);
    }

    /// Makes room for about `additional` more exact-value keys.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.exact.reserve(additional);
    }

    pub(crate) fn stats(&self) -> CatalogStats {
        CatalogStats {
            n_paths: self.types.values().map(|table| table.probes.len()).sum(),
            n_exact_keys: self.exact.len(),
            n_fallback: self.n_fallback,
        }
    }

    fn change_leaf(&mut self, expr: &ComparisonExpr, posting: Posting, change: Change) {
        for object_type in object_types(expr) {
            match plan_for_type(expr, object_type) {
                TypePlan::Never => {}
                TypePlan::Unanchored => {
                    let table = self.types.entry_ref(object_type).or_default();
                    match change {
                        Change::Insert => {
                            table.fallback.push(posting);
                            self.n_fallback += 1;
                        }
                        Change::Remove => {
                            if let Some(position) = table.fallback.iter().position(|item| *item == posting) {
                                table.fallback.swap_remove(position);
                                self.n_fallback -= 1;
                            }
                        }
                    }
                }
                TypePlan::Anchored(anchors) => {
                    for anchor in &anchors {
                        self.change_anchor(object_type, anchor, posting, change);
                    }
                }
            }
        }
    }

    fn change_anchor(&mut self, object_type: &str, anchor: &Anchor<'_>, posting: Posting, change: Change) {
        let path = anchor.path();
        let path_id = match self.path_ids.get(path) {
            Some(path_id) => *path_id,
            None => {
                let path_id = self.path_ids.len() as u32;
                self.path_ids.insert(path.clone(), path_id);
                path_id
            }
        };
        let table = self.types.entry_ref(object_type).or_default();
        let probe_idx = *table.probe_by_path.entry(path_id).or_insert_with(|| {
            table.probes.push(Probe {
                path_id,
                steps: path.steps.clone(),
                n_exact: 0,
                n_cidr: 0,
                n_literal: 0,
            });
            let probe_idx = table.probes.len() - 1;
            if let Some(PathStep::Key(first_key)) = path.steps.first() {
                table
                    .probes_by_first_key
                    .entry_ref(first_key.as_str())
                    .or_default()
                    .push(probe_idx);
            }
            probe_idx
        });
        let probe = &mut table.probes[probe_idx];
        let delta = |count: &mut u32| match change {
            Change::Insert => *count += 1,
            Change::Remove => *count = count.saturating_sub(1),
        };
        match anchor {
            Anchor::Exact { value, .. } => {
                delta(&mut probe.n_exact);
                let key = scalar_key(path_id, value);
                match change {
                    Change::Insert => self.exact.insert(key, posting),
                    Change::Remove => self.exact.remove(key, posting),
                }
            }
            Anchor::CidrSubset { net, .. } => {
                delta(&mut probe.n_cidr);
                match change {
                    Change::Insert => self.cidr.insert_subset(path_id, *net, posting),
                    Change::Remove => self.cidr.remove_subset(path_id, *net, posting),
                }
            }
            Anchor::CidrSuperset { net, .. } => {
                delta(&mut probe.n_cidr);
                match change {
                    Change::Insert => self.cidr.insert_superset(path_id, *net, posting),
                    Change::Remove => self.cidr.remove_superset(path_id, *net, posting),
                }
            }
            Anchor::Literal { literal, .. } => {
                delta(&mut probe.n_literal);
                let literals = self.literals.entry(path_id).or_default();
                match change {
                    Change::Insert => literals.insert(literal, posting),
                    Change::Remove => {
                        literals.remove(literal, posting);
                        if literals.is_empty() {
                            self.literals.remove(&path_id);
                        }
                    }
                }
            }
        }
    }

    /// Pushes onto `out` every posting whose leaf may hold for the SCO `sco` (a superset of those that do).
    pub(crate) fn candidates<'v>(&self, sco: &'v Value, resolve: Resolve<'_, 'v>, out: &mut Vec<Posting>) {
        let Some(object_type) = sco.get("type").and_then(Value::as_str) else {
            return;
        };
        let Some(table) = self.types.get(object_type) else {
            return;
        };
        match sco.as_object() {
            Some(object) if object.len() < table.probes.len() => {
                for key in object.keys() {
                    let Some(probe_idxs) = table.probes_by_first_key.get(key.as_str()) else {
                        continue;
                    };
                    for probe_idx in probe_idxs {
                        self.probe(&table.probes[*probe_idx], sco, resolve, out);
                    }
                }
            }
            _ => {
                for probe in &table.probes {
                    self.probe(probe, sco, resolve, out);
                }
            }
        }
        out.extend_from_slice(&table.fallback);
    }

    /// Pushes the postings the values at `probe`'s path in `sco` hit.
    fn probe<'v>(&self, probe: &Probe, sco: &'v Value, resolve: Resolve<'_, 'v>, out: &mut Vec<Posting>) {
        if probe.n_exact == 0 && probe.n_cidr == 0 && probe.n_literal == 0 {
            return;
        }
        let literals = if probe.n_literal > 0 {
            self.literals.get(&probe.path_id)
        } else {
            None
        };
        for_each_value(sco, &probe.steps, resolve, &mut |value| {
            if probe.n_exact > 0
                && let Some(scalar) = json_scalar(value)
                && let Some(postings) = self.exact.get(scalar_key(probe.path_id, &scalar))
            {
                out.extend_from_slice(postings.as_slice());
            }
            let Some(text) = value.as_str() else { return };
            if probe.n_cidr > 0
                && let Some(net) = IpNet::parse(text)
            {
                self.cidr.containing(probe.path_id, net, out);
                self.cidr.inside(probe.path_id, net, out);
            }
            if let Some(literals) = literals {
                literals.occurring_in(text, out);
            }
        });
    }
}

fn json_scalar(value: &Value) -> Option<Scalar<'_>> {
    match value {
        Value::String(text) => Some(Scalar::Str(text)),
        Value::Number(number) => number.as_f64().map(Scalar::Num),
        Value::Bool(flag) => Some(Scalar::Bool(*flag)),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

fn scalar_key(path_id: u32, scalar: &Scalar<'_>) -> u64 {
    let (tag, bytes) = scalar.key_parts();
    key_hash(path_id, tag, bytes.as_bytes())
}
