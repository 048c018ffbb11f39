//! The SSRF guard's classes and the strict URL reading.

use super::*;

fn class(text: &str) -> AddressClass {
    classify(text.parse().expect("an address"))
}

#[test]
fn refuses_every_internal_range() {
    let cases = [
        ("127.0.0.1", AddressClass::Loopback),
        ("127.255.0.9", AddressClass::Loopback),
        ("::1", AddressClass::Loopback),
        ("10.1.2.3", AddressClass::Private),
        ("172.16.0.1", AddressClass::Private),
        ("172.31.255.255", AddressClass::Private),
        ("192.168.1.1", AddressClass::Private),
        ("169.254.169.254", AddressClass::LinkLocal),
        ("fe80::1", AddressClass::LinkLocal),
        ("fd00::1", AddressClass::UniqueLocal),
        ("fc12::1", AddressClass::UniqueLocal),
        ("100.64.0.1", AddressClass::SharedCgnat),
        ("100.127.255.254", AddressClass::SharedCgnat),
        ("224.0.0.1", AddressClass::Multicast),
        ("ff02::1", AddressClass::Multicast),
        ("0.0.0.0", AddressClass::Unspecified),
        ("0.1.2.3", AddressClass::Unspecified),
        ("::", AddressClass::Unspecified),
        ("255.255.255.255", AddressClass::Reserved),
        ("240.0.0.1", AddressClass::Reserved),
        ("192.0.2.1", AddressClass::Reserved),
        ("2001:db8::1", AddressClass::Reserved),
        // IPv4 inside IPv6: judged by the IPv4 address.
        ("::ffff:127.0.0.1", AddressClass::Loopback),
        ("::ffff:10.0.0.1", AddressClass::Private),
        ("::ffff:169.254.169.254", AddressClass::LinkLocal),
        ("::127.0.0.1", AddressClass::Loopback),
        ("64:ff9b::a00:1", AddressClass::Private),
        ("2002:7f00:1::", AddressClass::Loopback),
        ("2002:c0a8:101::1", AddressClass::Private),
    ];
    for (address, expected) in cases {
        assert_eq!(class(address), expected, "{address}");
        assert!(!class(address).is_public(), "{address}");
    }
}

#[test]
fn accepts_public_addresses() {
    for address in [
        "8.8.8.8",
        "172.32.0.1",
        "100.128.0.1",
        "1.1.1.1",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "2002:808:808::1",
    ] {
        assert_eq!(class(address), AddressClass::Public, "{address}");
    }
}

#[test]
fn the_operator_flag_opens_own_networks_only() {
    let target = Target::parse("http://hooks.example/x").expect("valid");
    let loopback: IpAddr = "127.0.0.1".parse().expect("ip");
    assert!(target.check(loopback, false).is_err());
    assert!(target.check(loopback, true).is_ok());
    let multicast: IpAddr = "224.0.0.1".parse().expect("ip");
    assert!(target.check(multicast, true).is_err());
    let message = target
        .check("10.0.0.1".parse().expect("ip"), false)
        .expect_err("refused")
        .to_string();
    assert!(
        message.contains("private") && message.contains("--allow-private-webhooks"),
        "{message}"
    );
}

#[test]
fn parses_urls_strictly() {
    let target = Target::parse("HTTPS://Hooks.Example:8443/in?x=1#frag").expect("valid");
    assert_eq!(
        target,
        Target {
            tls: true,
            host: "hooks.example".into(),
            port: 8443,
            path_and_query: "/in?x=1".into(),
            authority: "hooks.example:8443".into()
        }
    );
    let v6 = Target::parse("http://[::1]:9000").expect("valid");
    assert_eq!(
        (v6.host.as_str(), v6.port, v6.path_and_query.as_str()),
        ("::1", 9000, "/")
    );
    assert_eq!(v6.literal_address(), Some("::1".parse().expect("ip")));
    assert_eq!(
        Target::parse("http://a.example?q").map(|t| t.path_and_query),
        Ok("/?q".to_owned())
    );
    for bad in [
        "ftp://a.example/",
        "a.example/hook",
        "http://user:pw@a.example/",
        "http://a.example:0/",
        "http://a.example:99999/",
        "http://a b.example/",
        "http:///path",
        "http://[::1/",
        "http://[nothex]/",
        "http://a.example/\n",
        "http://-a.example/",
    ] {
        assert!(Target::parse(bad).is_err(), "{bad}");
    }
}
