//! Claims: normal forms, precise refusals, overlap; the index against a plain scan.

use proptest::prelude::*;

use super::*;
use crate::index::AssetIndex;
use crate::probe::{Probe, probes_of_object, probes_of_pattern};

fn ok(kind: AssetKind, text: &str) -> String {
    Asset::parse(kind, text)
        .unwrap_or_else(|err| panic!("{err}"))
        .value()
}

fn refused(kind: AssetKind, text: &str) -> String {
    match Asset::parse(kind, text) {
        Ok(asset) => panic!("{text:?} accepted as {asset:?}"),
        Err(err) => err.to_string(),
    }
}

#[test]
fn normal_forms() {
    assert_eq!(ok(AssetKind::Cidr, " 198.51.100.0/24 "), "198.51.100.0/24");
    assert_eq!(ok(AssetKind::Cidr, "198.51.100.7"), "198.51.100.7");
    assert_eq!(ok(AssetKind::Cidr, "2001:DB8:0::/32"), "2001:db8::/32");
    assert_eq!(ok(AssetKind::Domain, "Mail.Example.ORG."), "mail.example.org");
    assert_eq!(ok(AssetKind::EmailDomain, "@Example.org"), "example.org");
    assert_eq!(ok(AssetKind::Asn, "as64500"), "AS64500");
    assert_eq!(ok(AssetKind::Asn, "64500"), "AS64500");
    assert_eq!(
        ok(AssetKind::Software, "pkg:NPM/%40scope/lib@1.2.3?arch=x#sub"),
        "pkg:npm/%40scope/lib@1.2.3"
    );
    assert_eq!(
        ok(AssetKind::Software, "cpe:/a:Apache:HTTP_Server:2.4"),
        "cpe:2.3:a:apache:http_server:2.4:*:*:*:*:*:*:*"
    );
    for kind in AssetKind::ALL {
        assert_eq!(AssetKind::parse(kind.as_str()), Some(kind));
    }
}

#[test]
fn refusals_say_why() {
    let cases = [
        (
            AssetKind::Cidr,
            "198.51.100.7/24",
            "host bits are set (the network is 198.51.100.0/24)",
        ),
        (AssetKind::Cidr, "16.0.0.0/4", "wider than"),
        (AssetKind::Cidr, "0.0.0.0/0", "wider than"),
        (AssetKind::Cidr, "::/0", "wider than"),
        (AssetKind::Cidr, "198.51.100.0/33", "longer than 32 bits"),
        (AssetKind::Cidr, "198.51.100.0/x", "not a number"),
        (AssetKind::Cidr, "::ffff:198.51.100.7", "write it as IPv4"),
        (AssetKind::Cidr, "example.org", "not an IPv4 or IPv6 address"),
        (AssetKind::Domain, "org", "at least two labels"),
        (AssetKind::Domain, "exa mple.org", "only a-z"),
        (AssetKind::Domain, "bücher.de", "IDNA"),
        (AssetKind::Domain, "https://example.org/", "not a URL"),
        (AssetKind::Domain, "a..org", "empty label"),
        (AssetKind::Domain, "-a.org", "starts or ends"),
        (AssetKind::Domain, "198.51.100.7", "claim it as a cidr"),
        (AssetKind::EmailDomain, "alice@example.org", "not an address"),
        (AssetKind::Asn, "AS0", "reserved"),
        (AssetKind::Asn, "AS23456", "AS_TRANS"),
        (AssetKind::Asn, "AS99999999999", "beyond"),
        (AssetKind::Asn, "ASX", "not an AS number"),
        (AssetKind::Software, "lodash", "not a package URL"),
        (AssetKind::Software, "cpe:2.3:a:*:*:*", "vendor and product"),
        (AssetKind::Software, "pkg:npm", "pkg:type/name"),
        (AssetKind::Cidr, "", "empty"),
    ];
    for (kind, text, expected) in cases {
        let message = refused(kind, text);
        assert!(message.contains(expected), "{text:?}: {message}");
    }
}

#[test]
fn overlap_and_containment() {
    let a = Asset::parse(AssetKind::Cidr, "198.51.100.0/24").expect("valid");
    let b = Asset::parse(AssetKind::Cidr, "198.51.100.128/25").expect("valid");
    let c = Asset::parse(AssetKind::Cidr, "198.51.101.0/24").expect("valid");
    assert!(a.overlaps(&b) && b.overlaps(&a));
    assert!(!a.overlaps(&c));
    let d = Asset::parse(AssetKind::Domain, "example.org").expect("valid");
    let e = Asset::parse(AssetKind::Domain, "mail.example.org").expect("valid");
    let f = Asset::parse(AssetKind::Domain, "badexample.org").expect("valid");
    assert!(d.overlaps(&e) && e.overlaps(&d));
    assert!(!d.overlaps(&f));
    assert!(d.contains_probe(&Probe::Domain("x.mail.example.org".into())));
    assert!(!d.contains_probe(&Probe::Domain("badexample.org".into())));
    let wide = IpNet::parse("198.0.0.0/8", true).expect("net");
    assert!(
        a.contains_probe(&Probe::Ip(wide)),
        "an indicator's wider network overlaps"
    );
    let lodash = Asset::parse(AssetKind::Software, "pkg:npm/lodash").expect("valid");
    let pinned = Asset::parse(AssetKind::Software, "pkg:npm/lodash@4.17.21").expect("valid");
    assert!(lodash.overlaps(&pinned));
    let Asset::Software(pinned_sw) = pinned else {
        panic!("software")
    };
    assert!(lodash.contains_probe(&Probe::Software(pinned_sw)));
}

#[test]
fn patterns_and_objects_involve_values() {
    let probes = probes_of_pattern(
        "([ipv4-addr:value = '198.51.100.7'] AND [domain-name:value = 'X.Example.org']) FOLLOWEDBY \
         [network-traffic:dst_ref.value ISSUBSET '203.0.113.0/24' AND email-addr:value NOT = 'a@b.org'] \
         WITHIN 60 SECONDS OR [autonomous-system:number = 64500] OR [software:cpe = 'cpe:2.3:a:acme:web:1.0']",
    );
    assert_eq!(probes.len(), 5, "{probes:?}");
    assert!(probes.contains(&Probe::Domain("x.example.org".into())));
    assert!(probes.contains(&Probe::Asn(64500)));
    let object: serde_json::Value = serde_json::from_str(
        r#"{"type":"observed-data","objects":{"0":{"type":"url","value":"https://[2001:db8::1]:8443/x"},
            "1":{"type":"email-addr","value":"Bob@Mail.Example.org"}}}"#,
    )
    .expect("json");
    let probes = probes_of_object(&object);
    assert_eq!(probes.len(), 2, "{probes:?}");
    assert!(probes.contains(&Probe::Email("bob@mail.example.org".into())));
    assert!(probes_of_pattern("[ipv4-addr:value != '198.51.100.7']").is_empty());
    assert!(probes_of_pattern("not a pattern").is_empty());
}

fn arb_asset() -> impl Strategy<Value = Asset> {
    prop_oneof![
        (any::<u32>(), 8u8..=32).prop_map(|(addr, prefix)| {
            let start = IpNet::masked(false, u128::from(addr & 0x0f0f_ffff), prefix);
            Asset::Cidr(IpNet {
                v6: false,
                start,
                prefix,
            })
        }),
        (any::<u16>(), 16u8..=128).prop_map(|(addr, prefix)| {
            let start = IpNet::masked(true, (0x2001_0db8u128 << 96) | (u128::from(addr) << 64), prefix);
            Asset::Cidr(IpNet {
                v6: true,
                start,
                prefix,
            })
        }),
        (0usize..4, 0usize..3).prop_map(|(a, b)| Asset::Domain(domain(a, b))),
        (0usize..4, 0usize..3).prop_map(|(a, b)| Asset::EmailDomain(domain(a, b))),
        (1u32..5).prop_map(Asset::Asn),
    ]
}

fn domain(depth: usize, pick: usize) -> String {
    let labels = ["a", "b", "c"];
    let mut name = "example.org".to_owned();
    for i in 0..depth {
        name = format!("{}.{name}", labels[(pick + i) % 3]);
    }
    name
}

fn arb_probe() -> impl Strategy<Value = Probe> {
    prop_oneof![
        arb_asset().prop_filter_map("a network", |asset| match asset {
            Asset::Cidr(net) => Some(Probe::Ip(net)),
            _ => None,
        }),
        (0usize..5, 0usize..3).prop_map(|(a, b)| Probe::Domain(domain(a, b))),
        (0usize..5, 0usize..3).prop_map(|(a, b)| Probe::Email(format!("x@{}", domain(a, b)))),
        (1u32..5).prop_map(Probe::Asn),
    ]
}

proptest! {
    #[test]
    fn index_equals_a_plain_scan(assets in prop::collection::vec(arb_asset(), 0..60), probes in prop::collection::vec(arb_probe(), 1..20)) {
        let index = AssetIndex::new(assets.clone());
        for probe in &probes {
            let mut found = Vec::new();
            index.matches(probe, &mut found);
            let expected: Vec<u32> = assets
                .iter()
                .enumerate()
                .filter(|(_, asset)| asset.contains_probe(probe))
                .map(|(i, _)| u32::try_from(i).expect("small"))
                .collect();
            prop_assert_eq!(found, expected, "{:?}", probe);
        }
    }

    #[test]
    fn overlap_is_symmetric_and_values_round_trip(a in arb_asset(), b in arb_asset()) {
        prop_assert_eq!(a.overlaps(&b), b.overlaps(&a));
        if a.kind() != AssetKind::Cidr || matches!(&a, Asset::Cidr(net) if net.prefix >= if net.v6 { 16 } else { 8 }) {
            prop_assert_eq!(Asset::parse(a.kind(), &a.value()).expect("own value parses"), a);
        }
    }
}
