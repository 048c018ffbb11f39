//! Unit tests: what each pattern shape exports or why not, escaping, sids, warninglists, the trailer.

use std::sync::Arc;

use crate::escape::{csv_field, rule_content, rule_message, zeek_field, zone_name};
use crate::export::{ExportOptions, Exporter, Format};
use crate::observable::{IpNet, Observable, SkipReason, observables_of_pattern};
use crate::record::Filter;
use crate::rules::{SidAllocator, SidRange};
use crate::warninglist::Warninglists;

fn values(pattern: &str) -> Result<Vec<String>, SkipReason> {
    observables_of_pattern(pattern).map(|list| list.iter().map(Observable::value).collect())
}

#[test]
fn exact_values_and_their_ors_are_exported() {
    assert_eq!(
        values("[ipv4-addr:value = '198.51.100.7']"),
        Ok(vec!["198.51.100.7".into()])
    );
    assert_eq!(
        values("[ipv4-addr:value = '10.1.2.3/8'] OR [domain-name:value = 'Evil.Example.']"),
        Ok(vec!["10.0.0.0/8".into(), "evil.example".into()])
    );
    assert_eq!(
        values("[url:value = 'http://a.example/x' OR url:value = 'http://a.example/x']"),
        Ok(vec!["http://a.example/x".into()])
    );
    assert_eq!(
        values(
            "[file:hashes.'SHA-256' = 'AB00000000000000000000000000000000000000000000000000000000000000']"
        ),
        Ok(vec![
            "ab00000000000000000000000000000000000000000000000000000000000000".into()
        ])
    );
    assert_eq!(
        values("[ipv6-addr:value IN ('2001:DB8::1', '2001:db8::/32')]"),
        Ok(vec!["2001:db8::1".into(), "2001:db8::/32".into()])
    );
    assert_eq!(
        values("[ipv4-addr:value ISSUBSET '192.0.2.0/24']"),
        Ok(vec!["192.0.2.0/24".into()])
    );
    assert_eq!(
        values("[email-addr:value = 'a@b.example']"),
        Ok(vec!["a@b.example".into()])
    );
}

#[test]
fn everything_not_exact_is_a_reason() {
    let cases = [
        (
            "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'a.example']",
            SkipReason::SeveralObservations,
        ),
        (
            "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']",
            SkipReason::SeveralObservations,
        ),
        (
            "[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS",
            SkipReason::Qualifier,
        ),
        (
            "[file:name = 'a' AND file:hashes.MD5 = '00000000000000000000000000000000']",
            SkipReason::AndInObservation,
        ),
        ("[ipv4-addr:value NOT = '1.2.3.4']", SkipReason::Negation),
        ("[ipv4-addr:value != '1.2.3.4']", SkipReason::NotEqual),
        ("[domain-name:value LIKE '%.example']", SkipReason::FuzzyOperator),
        ("[url:value MATCHES '^http']", SkipReason::FuzzyOperator),
        ("[file:size > 10]", SkipReason::UnknownPath),
        ("[file:name = 'a.exe']", SkipReason::UnknownPath),
        ("[file:hashes.SSDEEP = 'x']", SkipReason::HashAlgorithm),
        ("[ipv4-addr:value = '1.2.3.256']", SkipReason::MalformedValue),
        ("[ipv4-addr:value = '01.2.3.4']", SkipReason::MalformedValue),
        ("[domain-name:value = 'a b.example']", SkipReason::MalformedValue),
        (
            "[domain-name:value = 'bücher.example']",
            SkipReason::MalformedValue,
        ),
        (
            "[url:value = 'http://u:p@a.example/']",
            SkipReason::MalformedValue,
        ),
        ("[file:hashes.MD5 = 'abc']", SkipReason::MalformedValue),
        (
            "[ipv4-addr:value ISSUPERSET '1.2.3.4']",
            SkipReason::OtherOperator,
        ),
        ("not a pattern", SkipReason::PatternInvalid),
        (
            "[ipv4-addr:value = '1.2.3.4' OR file:name = 'a']",
            SkipReason::UnknownPath,
        ),
    ];
    for (pattern, reason) in cases {
        assert_eq!(values(pattern), Err(reason), "{pattern}");
    }
}

#[test]
fn escaping_keeps_every_syntax_intact() {
    assert_eq!(rule_content("a\"b;c\\d|e:f g"), "a|22|b|3b|c|5c|d|7c|e|3a|f g");
    assert_eq!(rule_content("\"\"x"), "|22 22|x");
    assert_eq!(rule_message("x\"; y\\ (z)\n", 100), "x\\\"\\; y\\\\ (z)?");
    assert_eq!(zeek_field("a\tb\nc"), "a b c");
    assert_eq!(zeek_field("-"), "[-]");
    assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
    assert_eq!(zone_name(&["*", "a b", "ok-1_"]), "\\042.a\\032b.ok-1_");
}

#[test]
fn sids_are_stable_and_collisions_take_the_next_free_one() {
    let range = SidRange {
        base: 5_000,
        count: 3,
    };
    let mut first = SidAllocator::new(range);
    let a = first.allocate("indicator--a", "1.2.3.4");
    let mut second = SidAllocator::new(range);
    assert_eq!(second.allocate("indicator--a", "1.2.3.4"), a);
    let mut all: Vec<u32> = [
        Ok(a.unwrap_or(0)),
        first.allocate("x", "1"),
        first.allocate("y", "2"),
    ]
    .into_iter()
    .map(|sid| sid.unwrap_or(0))
    .collect();
    all.sort_unstable();
    assert_eq!(all, vec![5_000, 5_001, 5_002]);
    assert_eq!(first.allocate("z", "3"), Err(SkipReason::SidRangeExhausted));
}

fn exporter(format: Format, warninglists: Option<Arc<Warninglists>>) -> Exporter {
    Exporter::new(ExportOptions {
        format,
        filter: Filter::current(1_800_000_000 * 1_000_000_000),
        warninglists,
        sids: SidRange::default(),
        reference_base: "http://127.0.0.1:8080/ui/c/root/c1/objects/".to_owned(),
        source: "stixhub test".to_owned(),
        now_seconds: 1_800_000_000,
    })
}

fn indicator(id: &str, pattern: &str, extra: &str) -> String {
    format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"indicator--{id}","created":"2024-01-02T03:04:05.000Z",
        "modified":"2024-02-03T04:05:06.000Z","name":"n; \"q\"","pattern":{},"pattern_type":"stix",
        "valid_from":"2024-01-01T00:00:00Z"{extra}}}"#,
        serde_json::Value::from(pattern)
    )
}

#[test]
fn warninglisted_values_are_suppressed_unless_the_indicator_overrides() {
    let lists = Arc::new(Warninglists::embedded_default().unwrap_or_default());
    let mut export = exporter(Format::Plain, Some(lists));
    let mut out = String::new();
    let pattern = "[ipv4-addr:value = '192.168.1.1'] OR [ipv4-addr:value = '203.0.113.9/32'] OR [domain-name:value = 'www.google.com'] OR [domain-name:value = 'evil.google.com']";
    export.add_json(
        &indicator("00000000-0000-4000-8000-000000000001", pattern, ""),
        &mut out,
    );
    let overriding = indicator(
        "00000000-0000-4000-8000-000000000002",
        "[ipv4-addr:value = '8.8.8.8']",
        r#","labels":["stixhub:warninglist-override"]"#,
    );
    export.add_json(&overriding, &mut out);
    export.write_trailer(&mut out);
    assert!(out.starts_with("evil.google.com\n8.8.8.8\n"), "{out}");
    let counts = export.counts();
    assert_eq!(
        counts.suppressed.get("List of RFC 1918 CIDR blocks"),
        Some(&1),
        "{:?}",
        counts.suppressed
    );
    assert_eq!(counts.n_suppressed(), 3, "{:?}", counts.suppressed);
    assert!(out.contains("# suppressed: 3\n"), "{out}");
}

#[test]
fn filters_count_what_they_leave_out() {
    let mut export = exporter(Format::Csv, None);
    let mut out = String::new();
    export.add_json(
        &indicator(
            "00000000-0000-4000-8000-000000000003",
            "[ipv4-addr:value = '1.2.3.4']",
            r#","revoked":true"#,
        ),
        &mut out,
    );
    export.add_json(
        &indicator(
            "00000000-0000-4000-8000-000000000004",
            "[ipv4-addr:value = '1.2.3.4']",
            r#","valid_until":"2025-01-01T00:00:00Z""#,
        ),
        &mut out,
    );
    export.add_json(
        &indicator("00000000-0000-4000-8000-000000000005", "[file:name = 'x']", ""),
        &mut out,
    );
    export.add_json("{not json", &mut out);
    export.write_trailer(&mut out);
    assert_eq!(export.counts().written, 0);
    assert!(out.contains("# filtered: 1 (revoked)"), "{out}");
    assert!(
        out.contains("# filtered: 1 (expired (valid_until past))"),
        "{out}"
    );
    assert!(out.contains("# skipped: 2\n"), "{out}");
}

#[test]
fn rules_name_the_indicator_and_point_back_at_the_hub() {
    let mut export = exporter(Format::Suricata, None);
    let mut out = String::new();
    let pattern = "[domain-name:value = 'bad.example'] OR [url:value = 'http://bad.example:8080/a;b?c=\"d\"'] OR [url:value = 'https://bad.example/x'] OR [ipv6-addr:value = '2001:db8::/48']";
    export.add_json(
        &indicator("00000000-0000-4000-8000-000000000006", pattern, ""),
        &mut out,
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("alert dns $HOME_NET any -> any any (msg:\"stixhub n\\; \\\"q\\\" (indicator--00000000-0000-4000-8000-000000000006)\"; dns.query; content:\"bad.example\"; nocase; bsize:11;"), "{}", lines[0]);
    assert!(lines[0].contains("reference:url,127.0.0.1:8080/ui/c/root/c1/objects/indicator--00000000-0000-4000-8000-000000000006/;"), "{}", lines[0]);
    assert!(
        lines[0].ends_with(" rev:1706933106; metadata:created_at 2024_01_02, updated_at 2024_02_03;)"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("http.uri; content:\"/a|3b|b?c=|22|d|22|\"; bsize:10;"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("alert ip $HOME_NET any <> [2001:db8::/48] any "),
        "{}",
        lines[2]
    );
    assert_eq!(export.counts().skipped.get(&SkipReason::UrlScheme), Some(&1));
}

#[test]
fn rpz_names_addresses_in_reverse() {
    let mut export = exporter(Format::Rpz, None);
    let mut out = String::new();
    let pattern = "[ipv4-addr:value = '198.51.100.0/24'] OR [ipv6-addr:value = '2001:db8::1'] OR [domain-name:value = 'a.example'] OR [email-addr:value = 'x@a.example']";
    export.add_json(
        &indicator("00000000-0000-4000-8000-000000000007", pattern, ""),
        &mut out,
    );
    assert!(
        out.contains("24.0.100.51.198.rpz-ip CNAME .\n128.1.zz.db8.2001.rpz-ip CNAME .\na.example CNAME .\n"),
        "{out}"
    );
    assert_eq!(
        export.counts().skipped.get(&SkipReason::FormatCannotExpress),
        Some(&1)
    );
}

#[test]
fn networks_are_normalised() {
    assert_eq!(
        crate::observable::parse_ipv4_net("10.9.8.7/12"),
        Some(IpNet::V4(std::net::Ipv4Addr::new(10, 0, 0, 0), 12))
    );
    assert_eq!(crate::observable::parse_ipv4_net("10.9.8.7/33"), None);
}
