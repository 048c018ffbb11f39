//! Unit tests of SCO rules: value formats, hashes, predefined extensions, references between observables.

use serde_json::{Value, json};

use super::{check, indicator, sco, with};

#[test]
fn hashes_must_match_their_algorithm() {
    let file = |hashes: Value| sco("file", json!({"name": "a.exe", "hashes": hashes}));
    check(file(json!({"MD5": "79054025255fb1a26e4bc422aef54eb4"})), &[]);
    check(
        file(json!({"MD5": "79054025255fb1a26e4bc422aef54eb"})),
        &["hash-format"],
    );
    check(
        file(json!({"SHA-1": "0123456789abcdef0123456789abcdef0123456z"})),
        &["hash-format"],
    );
    check(
        file(json!({"SHA-256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})),
        &[],
    );
    check(
        file(json!({"SSDEEP": "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C"})),
        &[],
    );
    check(file(json!({"x-acme-hash": "anything"})), &[]);
    check(file(json!({"MD5": 5})), &["property-type"]);
    check(sco("file", json!({"size": 10})), &["required-property"]);
    check(sco("file", json!({"name": "a", "size": -1})), &["value-range"]);
}

#[test]
fn ip_and_mac_address_values() {
    for good in ["198.51.100.7", "0.0.0.0/0", "10.0.0.0/8", "255.255.255.255/32"] {
        check(sco("ipv4-addr", json!({"value": good})), &[]);
    }
    for bad in [
        "198.51.100.300",
        "198.51.100",
        "10.0.0.0/33",
        "10.0.0.0/",
        "10.0.0.0/+8",
        "198.051.100.7",
        "::1",
        "a.b.c.d",
    ] {
        check(sco("ipv4-addr", json!({"value": bad})), &["ip-address"]);
    }
    for good in ["::1", "2001:db8::1", "2001:db8::/128", "::ffff:192.0.2.1"] {
        check(sco("ipv6-addr", json!({"value": good})), &[]);
    }
    for bad in ["2001:db8::/129", "198.51.100.7", "2001:::1"] {
        check(sco("ipv6-addr", json!({"value": bad})), &["ip-address"]);
    }
    check(sco("mac-addr", json!({"value": "d2:fb:49:24:37:18"})), &[]);
    check(
        sco("mac-addr", json!({"value": "D2:FB:49:24:37:18"})),
        &["mac-address"],
    );
    check(
        sco("mac-addr", json!({"value": "d2-fb-49-24-37-18"})),
        &["mac-address"],
    );
}

#[test]
fn observable_specific_rules() {
    let traffic = |extra: Value| {
        sco(
            "network-traffic",
            with(
                json!({"protocols": ["tcp"], "src_ref": "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"}),
                extra,
            ),
        )
    };
    check(traffic(json!({"src_port": 443})), &[]);
    check(traffic(json!({"src_port": 65_536})), &["value-range"]);
    check(traffic(json!({"src_ref": null})), &["required-property"]);
    check(
        traffic(json!({"src_ref": "url--12592121-be4c-5a93-a813-5a5af16e50db"})),
        &["ref-type"],
    );
    check(
        traffic(json!({"is_active": true, "end": "2024-03-01T10:00:00Z"})),
        &["property-conflict"],
    );
    check(
        traffic(json!({"start": "2024-03-01T10:00:00Z", "end": "2024-03-01T09:00:00Z"})),
        &["timestamp-order"],
    );
    check(
        sco("email-message", json!({"is_multipart": false, "body": "hi"})),
        &[],
    );
    check(
        sco("email-message", json!({"is_multipart": true, "body": "hi"})),
        &["property-conflict"],
    );
    check(sco("email-message", json!({})), &["required-property"]);
    check(
        sco(
            "artifact",
            json!({"url": "https://example.com/a", "payload_bin": "aGk="}),
        ),
        &["property-conflict", "required-property"],
    );
    check(
        sco(
            "artifact",
            json!({"payload_bin": "aGk=", "encryption_algorithm": "rot13"}),
        ),
        &["enum-value"],
    );
    check(sco("process", json!({})), &["required-property"]);
    check(sco("process", json!({"pid": 4})), &[]);
}

#[test]
fn binary_and_hex_values() {
    check(sco("artifact", json!({"payload_bin": "aGVsbG8="})), &[]);
    check(
        sco("artifact", json!({"payload_bin": "aGVsbG8"})),
        &["binary-format"],
    );
    check(
        sco("artifact", json!({"payload_bin": "a$=="})),
        &["binary-format"],
    );
    check(sco("file", json!({"name": "a", "magic_number_hex": "4d5a"})), &[]);
    check(
        sco("file", json!({"name": "a", "magic_number_hex": "4D5A"})),
        &["hex-format"],
    );
    check(
        sco("file", json!({"name": "a", "magic_number_hex": "4D5"})),
        &["hex-format"],
    );
}

#[test]
fn predefined_extension_contents() {
    let file = |extensions: Value| sco("file", json!({"name": "a", "extensions": extensions}));
    check(
        file(json!({"archive-ext": {"contains_refs": ["url--12592121-be4c-5a93-a813-5a5af16e50db"]}})),
        &["ref-type"],
    );
    check(
        file(json!({"ntfs-ext": {"alternate_data_streams": [{"name": "s", "hashes": {"MD5": "12"}}]}})),
        &["hash-format"],
    );
    let pe = json!({"windows-pebinary-ext": {"pe_type": "exe", "file_header_hashes": {"SHA-1": "x"},
        "optional_header": {"hashes": {"SHA-256": "y"}}, "sections": [{"name": ".text", "hashes": {"MD5": "z"}}]}});
    check(file(pe), &["hash-format", "hash-format", "hash-format"]);
    let traffic = |extensions: Value| {
        sco(
            "network-traffic",
            json!({"protocols": ["icmp"],
        "dst_ref": "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db", "extensions": extensions}),
        )
    };
    check(
        traffic(json!({"icmp-ext": {"icmp_type_hex": "08", "icmp_code_hex": "00"}})),
        &[],
    );
    check(
        traffic(json!({"icmp-ext": {"icmp_type_hex": "8"}})),
        &["hex-format", "required-property"],
    );
    check(
        traffic(
            json!({"http-request-ext": {"request_method": "get", "request_value": "/",
        "message_body_data_ref": "file--12592121-be4c-5a93-a813-5a5af16e50db"}}),
        ),
        &["ref-type"],
    );
    let multipart = sco(
        "email-message",
        json!({"is_multipart": true,
        "body_multipart": [{"body_raw_ref": "url--12592121-be4c-5a93-a813-5a5af16e50db"}]}),
    );
    check(multipart, &["ref-type"]);
}

#[test]
fn sco_ids_without_contributing_properties_are_uuid_v4() {
    let v5_id = "process--12592121-be4c-5a93-a813-5a5af16e50db";
    check(
        with(sco("process", json!({"pid": 4})), json!({"id": v5_id})),
        &["id-uuid-version"],
    );
    let artifact_v5 = json!({"type": "artifact", "id": "artifact--12592121-be4c-5a93-a813-5a5af16e50db",
        "url": "https://example.com/a", "hashes": {"MD5": "79054025255fb1a26e4bc422aef54eb4"}});
    check(artifact_v5.clone(), &[]);
    check(
        with(
            artifact_v5,
            json!({"hashes": null, "payload_bin": null, "url": null, "mime_type": "text/plain"}),
        ),
        &["id-uuid-version"],
    );
}

#[test]
fn encodings_need_the_property_they_encode() {
    check(sco("file", json!({"name": "a", "name_enc": "windows-1252"})), &[]);
    check(
        sco(
            "file",
            json!({"hashes": {"MD5": "79054025255fb1a26e4bc422aef54eb4"}, "name_enc": "windows-1252"}),
        ),
        &["required-property"],
    );
    check(
        sco("directory", json!({"path": "/tmp", "path_enc": "utf-8"})),
        &[],
    );
}

#[test]
fn closed_enumerations_in_observables() {
    let registry = |data_type: &str| {
        sco(
            "windows-registry-key",
            json!({"key": "hkey_local_machine\\system", "values": [{"name": "a", "data_type": data_type}]}),
        )
    };
    check(registry("REG_SZ"), &[]);
    check(registry("REG_STRING"), &["enum-value"]);
    let process = |extensions: Value| sco("process", json!({"pid": 1, "extensions": extensions}));
    check(
        process(json!({"windows-process-ext": {"integrity_level": "high"}})),
        &[],
    );
    check(
        process(json!({"windows-process-ext": {"integrity_level": "sky-high"}})),
        &["enum-value"],
    );
    check(
        process(json!({"windows-service-ext": {"service_name": "s", "start_type": "SERVICE_AUTO_START"}})),
        &[],
    );
    check(
        process(json!({"windows-service-ext": {"service_name": "s", "service_status": "RUNNING"}})),
        &["enum-value"],
    );
    let socket = |family: &str| {
        sco(
            "network-traffic",
            json!({"protocols": ["tcp"], "dst_ref": "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db",
        "extensions": {"socket-ext": {"address_family": family}}}),
        )
    };
    check(socket("AF_INET"), &[]);
    check(socket("inet"), &["enum-value"]);
}

#[test]
fn hash_algorithm_names_and_integer_sizes() {
    let file = |hashes: Value| sco("file", json!({"name": "a.exe", "hashes": hashes}));
    check(file(json!({"x_acme_hash": "abc"})), &[]);
    check(file(json!({"md": "abc"})), &["hash-algorithm"]);
    check(file(json!({"acme hash": "abc"})), &["hash-algorithm"]);
    let reference = |hashes: Value| {
        with(
            indicator(),
            json!({"external_references": [{"source_name": "acme", "url": "https://example.com/", "hashes": hashes}]}),
        )
    };
    check(
        reference(json!({"SHA-256": "6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b"})),
        &[],
    );
    check(reference(json!({"x_acme_hash": "abc"})), &["hash-algorithm"]);
    check(
        sco("file", json!({"name": "a", "size": 9_007_199_254_740_991_u64})),
        &[],
    );
    check(
        sco("file", json!({"name": "a", "size": 9_007_199_254_740_992_u64})),
        &["value-range"],
    );
    check(
        sco("file", json!({"name": "a", "x_acme_meta": {}})),
        &["empty-dictionary"],
    );
}

#[test]
fn urls_are_rfc3986_uris() {
    for good in [
        "https://example.com/a?b=c#d",
        "http://[2001:db8::1]:8080/x",
        "mailto:a@example.com",
        "urn:isbn:0451450523",
        "http://x/%20y",
    ] {
        check(sco("url", json!({"value": good})), &[]);
    }
    for bad in [
        " https://example.com/",
        "https://example.com/a b",
        "example.com",
        "http://x/%zz",
        "http://x/a#b#c",
        "http://exämple.com/",
        "1http://x/",
    ] {
        check(sco("url", json!({"value": bad})), &["url-format"]);
    }
    let reference = |url: &str| {
        with(
            indicator(),
            json!({"external_references": [{"source_name": "acme", "url": url}]}),
        )
    };
    check(reference("https://example.com/report.pdf"), &[]);
    check(reference(" https://example.com/report.pdf"), &["url-format"]);
}

#[test]
fn software_cpe_is_a_cpe23_formatted_string() {
    let software = |cpe: &str| sco("software", json!({"name": "Word", "cpe": cpe}));
    for good in [
        "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*",
        "cpe:2.3:a:micro\\:soft:word:2000:*:*:*:*:*:*:*",
        "cpe:2.3:o:Microsoft:Windows_10:1607:*:*:*:*:*:x64:-",
        "cpe:2.3:a:vendor:prod??:*:*:*:*:*:*:*:*",
    ] {
        check(software(good), &[]);
    }
    for bad in [
        "cpe:/a:microsoft:word:2000",
        "cpe:2.3:a:microsoft:word",
        "cpe:2.3:x:microsoft:word:2000:*:*:*:*:*:*:*",
        "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*:*",
        "cpe:2.3:a:microsoft:word 2000:*:*:*:*:*:*:*",
        "cpe:2.3:a:microsoft::2000:*:*:*:*:*:*:*",
    ] {
        check(software(bad), &["cpe-format"]);
    }
}

#[test]
fn dictionary_keys_and_values() {
    let process =
        |environment: Value| sco("process", json!({"pid": 1, "environment_variables": environment}));
    check(process(json!({"PATH": "/bin", "HOME_DIR-2": "/root"})), &[]);
    check(process(json!({"ProgramFiles(x86)": "C:\\"})), &["dictionary-key"]);
    check(process(json!({"PATH": null})), &["property-type"]);
    check(process(json!({"PATH": []})), &["empty-list"]);
}

#[test]
fn predefined_extensions_and_mime_parts_have_their_required_properties() {
    let file = |extensions: Value| sco("file", json!({"name": "a", "extensions": extensions}));
    check(
        file(json!({"archive-ext": {"comment": "x"}})),
        &["required-property"],
    );
    check(
        file(json!({"windows-pebinary-ext": {"pe_type": "exe", "sections": [{"size": 1}]}})),
        &["required-property"],
    );
    check(
        file(json!({"ntfs-ext": {"alternate_data_streams": [{"size": 1}]}})),
        &["required-property"],
    );
    let traffic = |extensions: Value| {
        sco(
            "network-traffic",
            json!({"protocols": ["tcp"],
        "dst_ref": "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db", "extensions": extensions}),
        )
    };
    check(
        traffic(json!({"http-request-ext": {"request_method": "get"}})),
        &["required-property"],
    );
    check(
        traffic(json!({"tcp-ext": {"src_flags_hex": "0x02"}})),
        &["hex-format"],
    );
    check(
        traffic(json!({"socket-ext": {"is_listening": true}})),
        &["required-property"],
    );
    let parts = |part: Value| {
        sco(
            "email-message",
            json!({"is_multipart": true, "body_multipart": [part]}),
        )
    };
    check(parts(json!({"body": "x"})), &[]);
    check(
        parts(json!({"content_type": "text/plain"})),
        &["required-property"],
    );
    check(
        parts(json!({"body": "x", "body_raw_ref": "artifact--4cce66f8-6eaa-53cb-85d5-3a85fca3a6c5"})),
        &["property-conflict"],
    );
    check(
        sco("artifact", json!({"payload_bin": "aGk=", "decryption_key": "k"})),
        &["required-property"],
    );
}

#[test]
fn media_types_and_character_sets() {
    check(
        sco(
            "artifact",
            json!({"payload_bin": "aGk=", "mime_type": "application/vnd.ms-excel"}),
        ),
        &[],
    );
    check(
        sco("artifact", json!({"payload_bin": "aGk=", "mime_type": "excel"})),
        &["media-type"],
    );
    check(
        sco(
            "artifact",
            json!({"payload_bin": "aGk=", "mime_type": "binary/octet stream"}),
        ),
        &["media-type"],
    );
    check(
        sco("file", json!({"name": "a", "name_enc": "ISO_8859-1:1987"})),
        &[],
    );
    check(
        sco("directory", json!({"path": "/x", "path_enc": "utf 8"})),
        &["charset-name"],
    );
}
