//! Tests of IP network parsing and the CIDR containment index.

use super::*;

fn net(text: &str) -> IpNet {
    IpNet::parse(text).unwrap()
}

fn posting(slot: u32) -> Posting {
    Posting { slot, leaf: 0 }
}

#[test]
fn parses_addresses_networks_and_netmasks_with_host_bits_cleared() {
    assert_eq!(net("10.1.2.3/8"), net("10.0.0.0/8"));
    assert_eq!(net("10.0.0.0/255.0.0.0"), net("10.0.0.0/8"));
    assert_eq!(net("10.0.0.1/032"), net("10.0.0.1"));
    assert_eq!(net("2001:db8::1/32"), net("2001:db8::/32"));
    assert_eq!(net("0.0.0.0/0").host_bits(), 32);
    for bad in [
        "10.0.0.256",
        "10.0.0.0/33",
        "10.0.0.0/",
        "::1/129",
        "example.com",
        "10.0.0.0/255.0.255.0",
        "",
    ] {
        assert_eq!(IpNet::parse(bad), None, "{bad}");
    }
}

#[test]
fn finds_every_constant_containing_a_value() {
    let mut index = CidrIndex::default();
    index.insert_subset(1, net("10.0.0.0/8"), posting(1));
    index.insert_subset(1, net("10.1.0.0/16"), posting(2));
    index.insert_subset(1, net("10.1.2.3"), posting(3));
    index.insert_subset(1, net("192.168.0.0/16"), posting(4));
    index.insert_subset(2, net("10.0.0.0/8"), posting(5));
    index.insert_subset(1, net("::/0"), posting(6));
    let mut out = Vec::new();
    index.containing(1, net("10.1.2.3"), &mut out);
    out.sort();
    assert_eq!(out, vec![posting(1), posting(2), posting(3)]);
    out.clear();
    index.containing(1, net("10.1.0.0/12"), &mut out);
    assert_eq!(out, vec![posting(1)]);
    out.clear();
    index.containing(1, net("2001:db8::1"), &mut out);
    assert_eq!(out, vec![posting(6)]);
    index.remove_subset(1, net("10.0.0.0/8"), posting(1));
    out.clear();
    index.containing(1, net("10.9.9.9"), &mut out);
    assert!(out.is_empty());
}

#[test]
fn finds_every_constant_inside_a_value() {
    let mut index = CidrIndex::default();
    index.insert_superset(1, net("10.1.2.3"), posting(1));
    index.insert_superset(1, net("10.2.0.0/16"), posting(2));
    index.insert_superset(1, net("11.0.0.1"), posting(3));
    let mut out = Vec::new();
    index.inside(1, net("10.0.0.0/8"), &mut out);
    out.sort();
    assert_eq!(out, vec![posting(1), posting(2)]);
    out.clear();
    index.inside(1, net("10.2.0.0/24"), &mut out);
    assert!(out.is_empty(), "a /16 is not inside a /24");
    index.remove_superset(1, net("10.1.2.3"), posting(1));
    out.clear();
    index.inside(1, net("10.0.0.0/8"), &mut out);
    assert_eq!(out, vec![posting(2)]);
}
