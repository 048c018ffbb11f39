//! Workloads shared by the matcher benchmarks and the differential test (included with `#[path]`): the
//! pattern corpus, a deterministic random generator, SCOs built to satisfy a pattern (or nearly), and
//! synthetic indicators grown from the value distributions of real patterns.

#![allow(dead_code)]

use std::path::PathBuf;

use serde_json::{Map, Value, json};
use stix_pattern::ast::{CompOp, Comparison, ComparisonExpr, Literal, ObservationExpr, PathStep, Pattern};

/// The shared corpus directory: `STIXHUB_CORPUS`, else `<crate>/../../../shared/corpus`.
pub(crate) fn corpus_dir() -> PathBuf {
    let dir = match std::env::var_os("STIXHUB_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    };
    assert!(
        dir.join("patterns/real-unit42.txt").is_file(),
        "pattern corpus not found at {} (set STIXHUB_CORPUS to the shared corpus directory)",
        dir.display()
    );
    dir
}

/// The lines of `patterns/<name>`.
pub(crate) fn load_patterns(name: &str) -> Vec<String> {
    let path = corpus_dir().join("patterns").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines().map(str::to_owned).collect()
}

/// splitmix64: small, deterministic, good enough for workloads.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

/// An indicator object with the given id number and pattern.
pub(crate) fn indicator(number: usize, pattern: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": format!("indicator--{number:08}"),
        "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z",
        "pattern": pattern, "pattern_type": "stix", "valid_from": "2020-01-01T00:00:00Z"
    })
}

/// A root SCO built to satisfy the first `[…]` of `pattern` (best effort), plus the SCOs its `_ref`s name.
pub(crate) fn sco_for(pattern: &Pattern, rng: &mut Rng) -> Option<(Value, Vec<Value>)> {
    let leaf = first_leaf(&pattern.expression);
    let object_type = first_type(leaf)?.to_owned();
    let mut root = json!({"type": object_type, "id": format!("{object_type}--root-{}", rng.next_u64())});
    let mut extras = Vec::new();
    satisfy(leaf, &object_type, &mut root, &mut extras, rng);
    Some((root, extras))
}

fn first_leaf(expr: &ObservationExpr) -> &ComparisonExpr {
    match expr {
        ObservationExpr::Observation(leaf) => leaf,
        ObservationExpr::And(left, _)
        | ObservationExpr::Or(left, _)
        | ObservationExpr::FollowedBy(left, _) => first_leaf(left),
        ObservationExpr::Qualified(inner, _) => first_leaf(inner),
    }
}

fn first_type(expr: &ComparisonExpr) -> Option<&str> {
    match expr {
        ComparisonExpr::And(left, _) | ComparisonExpr::Or(left, _) => first_type(left),
        ComparisonExpr::Comparison(comparison) => Some(&comparison.path.object_type),
        ComparisonExpr::Exists { path, .. } => Some(&path.object_type),
    }
}

fn satisfy(
    expr: &ComparisonExpr,
    object_type: &str,
    root: &mut Value,
    extras: &mut Vec<Value>,
    rng: &mut Rng,
) {
    match expr {
        ComparisonExpr::And(left, right) => {
            satisfy(left, object_type, root, extras, rng);
            satisfy(right, object_type, root, extras, rng);
        }
        ComparisonExpr::Or(left, right) => {
            let side = if rng.chance(50) { left } else { right };
            satisfy(side, object_type, root, extras, rng);
        }
        ComparisonExpr::Exists { path, negated: false } if path.object_type == object_type => {
            set_path(root, &path.steps, json!("present"), extras, rng);
        }
        ComparisonExpr::Comparison(comparison) if comparison.path.object_type == object_type => {
            let value = satisfying_value(comparison, rng);
            set_path(root, &comparison.path.steps, value, extras, rng);
        }
        _ => {}
    }
}

fn literal_json(literal: &Literal) -> Value {
    match literal {
        Literal::Str(text) => json!(text),
        Literal::Int(number) => json!(number),
        Literal::Float(number) => json!(number),
        Literal::Bool(flag) => json!(flag),
        Literal::Timestamp(timestamp) => json!(timestamp.as_str()),
        Literal::Hex(bytes) | Literal::Binary(bytes) => {
            json!(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>())
        }
        Literal::List(items) => items.first().map_or(Value::Null, literal_json),
    }
}

fn satisfying_value(comparison: &Comparison, rng: &mut Rng) -> Value {
    let literal = &comparison.value;
    match (comparison.op, literal) {
        (CompOp::In, Literal::List(items)) if !items.is_empty() => {
            literal_json(&items[rng.below(items.len())])
        }
        (CompOp::Like, Literal::Str(text)) => json!(text.replace('%', "zz").replace('_', "q")),
        (CompOp::Matches, Literal::Str(text)) => {
            json!(
                text.chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '/')
                    .collect::<String>()
            )
        }
        (CompOp::IsSubset, Literal::Str(text)) => json!(text.split('/').next().unwrap_or(text)),
        (CompOp::Gt | CompOp::Ge, Literal::Int(number)) => json!(number.saturating_add(1)),
        (CompOp::Lt | CompOp::Le, Literal::Int(number)) => json!(number.saturating_sub(1)),
        (CompOp::Neq, Literal::Str(text)) => json!(format!("{text}-other")),
        _ => literal_json(literal),
    }
}

fn set_path(target: &mut Value, steps: &[PathStep], value: Value, extras: &mut Vec<Value>, rng: &mut Rng) {
    let Some((step, rest)) = steps.split_first() else {
        *target = value;
        return;
    };
    match step {
        PathStep::Key(key) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let Some(map) = target.as_object_mut() else { return };
            if (key.ends_with("_ref") || key.ends_with("_refs")) && !rest.is_empty() {
                let id = format!("ipv4-addr--ref-{}", rng.next_u64());
                let mut referenced = json!({"type": "ipv4-addr", "id": id});
                let rest = if key.ends_with("_refs") { &rest[1..] } else { rest };
                set_path(&mut referenced, rest, value, extras, rng);
                extras.push(referenced);
                map.insert(
                    key.clone(),
                    if key.ends_with("_refs") {
                        json!([id])
                    } else {
                        json!(id)
                    },
                );
                return;
            }
            let child = map.entry(key.clone()).or_insert(Value::Null);
            set_path(child, rest, value, extras, rng);
        }
        PathStep::Index(index) => {
            let len = usize::try_from(*index).unwrap_or(0).min(3) + 1;
            let mut items = vec![Value::Null; len];
            set_path(&mut items[len - 1], rest, value, extras, rng);
            *target = Value::Array(items);
        }
        PathStep::AnyIndex => {
            let mut item = Value::Null;
            set_path(&mut item, rest, value, extras, rng);
            *target = json!(["other", item]);
        }
    }
}

/// A copy of `value` with one string or number nudged, so it usually stops matching.
pub(crate) fn near_miss(value: &Value, rng: &mut Rng) -> Value {
    match value {
        Value::String(text) if !text.is_empty() && text != "file" && !text.contains("--") => {
            let mut chars: Vec<char> = text.chars().collect();
            let idx = rng.below(chars.len());
            chars[idx] = if chars[idx] == 'a' { 'b' } else { 'a' };
            Value::String(chars.into_iter().collect())
        }
        Value::Number(number) => json!(number.as_f64().unwrap_or(0.0) + 1.0),
        Value::Object(map) => {
            let mut copy = map.clone();
            let keys: Vec<String> = map
                .keys()
                .filter(|key| *key != "type" && *key != "id")
                .cloned()
                .collect();
            if !keys.is_empty() {
                let key = &keys[rng.below(keys.len())];
                let nudged = near_miss(&map[key], rng);
                copy.insert(key.clone(), nudged);
            }
            Value::Object(copy)
        }
        Value::Array(items) if !items.is_empty() => {
            let mut copy = items.clone();
            let idx = rng.below(copy.len());
            copy[idx] = near_miss(&items[idx], rng);
            Value::Array(copy)
        }
        other => other.clone(),
    }
}

/// A pattern like `template` with every string literal replaced by a random one of the same shape (hex stays
/// hex of the same length, IPs stay IPs, other text keeps its character classes), so value lengths, types,
/// paths and operators follow the real distribution.
pub(crate) fn grow_pattern(template: &Pattern, rng: &mut Rng) -> Pattern {
    let mut pattern = template.clone();
    grow_observation(&mut pattern.expression, rng);
    pattern
}

fn grow_observation(expr: &mut ObservationExpr, rng: &mut Rng) {
    match expr {
        ObservationExpr::Observation(leaf) => grow_comparisons(leaf, rng),
        ObservationExpr::And(left, right)
        | ObservationExpr::Or(left, right)
        | ObservationExpr::FollowedBy(left, right) => {
            grow_observation(left, rng);
            grow_observation(right, rng);
        }
        ObservationExpr::Qualified(inner, _) => grow_observation(inner, rng),
    }
}

fn grow_comparisons(expr: &mut ComparisonExpr, rng: &mut Rng) {
    match expr {
        ComparisonExpr::And(left, right) | ComparisonExpr::Or(left, right) => {
            grow_comparisons(left, rng);
            grow_comparisons(right, rng);
        }
        ComparisonExpr::Comparison(comparison) => grow_literal(&mut comparison.value, comparison.op, rng),
        ComparisonExpr::Exists { .. } => {}
    }
}

fn grow_literal(literal: &mut Literal, op: CompOp, rng: &mut Rng) {
    match literal {
        Literal::Str(text) => *text = grow_text(text, op, rng),
        Literal::List(items) => items.iter_mut().for_each(|item| grow_literal(item, op, rng)),
        Literal::Int(number) => *number = number.wrapping_add(rng.below(1000) as i64),
        _ => {}
    }
}

/// A random string shaped like `text`.
pub(crate) fn grow_text(text: &str, op: CompOp, rng: &mut Rng) -> String {
    if let Some((addr, len)) = text.split_once('/')
        && addr.parse::<std::net::Ipv4Addr>().is_ok()
    {
        return format!("{}/{len}", random_ipv4(rng));
    }
    if text.parse::<std::net::Ipv4Addr>().is_ok() {
        return random_ipv4(rng).to_string();
    }
    const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
    const HEX: &[u8] = b"0123456789abcdef";
    let is_hex = text.len() >= 32 && text.bytes().all(|b| b.is_ascii_hexdigit());
    text.chars()
        .map(|c| {
            if op == CompOp::Like && (c == '%' || c == '_') {
                c
            } else if is_hex {
                HEX[rng.below(16)] as char
            } else if c.is_ascii_lowercase() {
                LOWER[rng.below(26)] as char
            } else if c.is_ascii_uppercase() {
                LOWER[rng.below(26)].to_ascii_uppercase() as char
            } else if c.is_ascii_digit() {
                (b'0' + rng.below(10) as u8) as char
            } else {
                c
            }
        })
        .collect()
}

fn random_ipv4(rng: &mut Rng) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::from((rng.next_u64() >> 16) as u32)
}

/// `n` synthetic pattern texts grown from the real patterns of `real-unit42.txt` (see [`grow_pattern`]).
pub(crate) fn synthetic_patterns(n: usize, seed: u64) -> Vec<String> {
    let templates: Vec<Pattern> = load_patterns("real-unit42.txt")
        .iter()
        .filter_map(|text| stix_pattern::parse(text).ok())
        .collect();
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| grow_pattern(&templates[rng.below(templates.len())], &mut rng).to_string())
        .collect()
}

/// A `/proc/self/status` field in KiB (`VmHWM` is the peak resident set, `VmRSS` the current one).
pub(crate) fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The median of some timings, in seconds.
pub(crate) fn median_seconds(times: &[std::time::Duration]) -> f64 {
    let mut seconds: Vec<f64> = times.iter().map(std::time::Duration::as_secs_f64).collect();
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

/// A number from the environment variable `name`, else `default`.
pub(crate) fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

/// CPU time this thread has used, in seconds (user + system, from `/proc/thread-self/stat`, in clock
/// ticks of 10 ms). On a shared machine this, not wall time, is what "per core" means.
pub(crate) fn thread_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |idx: usize| {
        fields
            .get(idx)
            .and_then(|field| field.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
