//! The STIX 2.1 type inventory: which object types exist, what kind each is, which properties each defines
//! and with what value type, which types a `*_ref`/`*_refs` property may point at, and the closed enumerations
//! and hash formats the validator checks.
//!
//! Invariant: this module is data only. Every table is `'static`, so looking a type up never allocates, and a
//! type or property missing from a table means "not defined by STIX 2.1" (custom content), never "invalid".
//! Sources: STIX 2.1 (OASIS Standard with Errata 01) §4–§7 and §10, cross-read with the OASIS JSON schemas.

use self::ObjectFamily::{Domain as SDO, Meta as META, Observable as SCO, Relationship as SRO};
use self::PropertyKind::{
    Binary as BIN, Boolean as B, Dictionary as D, Hashes as H, Hex as HEX, Integer as I,
    KillChainPhases as K, List as L, Number as N, Object as OBJ, String as S, StringList as SL,
    Timestamp as T, Url as URL,
};

/// The four families of STIX objects (§2.1 of the standards digest), plus custom types of unknown family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectFamily {
    /// A STIX Domain Object (or a custom object that is not declared as SCO or SRO).
    Domain,
    /// `relationship` or `sighting` (or a custom object declared `new-sro`).
    Relationship,
    /// A STIX Cyber-observable Object (or a custom object declared `new-sco`).
    Observable,
    /// `marking-definition`, `extension-definition` or `language-content`.
    Meta,
}

/// The JSON value a STIX-defined property must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyKind {
    /// A string.
    String,
    /// An integer (no fraction, no exponent).
    Integer,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// A STIX timestamp string (§2.16).
    Timestamp,
    /// A non-empty list of strings.
    StringList,
    /// A dictionary (§2.3): keys of at most 250 characters of `[A-Za-z0-9_-]`, values of STIX base types.
    Dictionary,
    /// A JSON object with properties of its own (`definition`, `x509_v3_extensions`).
    Object,
    /// A non-empty list of anything.
    List,
    /// A hashes dictionary (§2.7).
    Hashes,
    /// Base64-encoded binary data (§2.3); such property names end in `_bin`.
    Binary,
    /// Hexadecimal bytes (§2.8); such property names end in `_hex`.
    Hex,
    /// A URL (RFC 3986).
    Url,
    /// A non-empty list of kill-chain phases (§2.11).
    KillChainPhases,
    /// An identifier of an object of the given target types.
    Ref(RefTarget),
    /// A non-empty list of identifiers of objects of the given target types.
    RefList(RefTarget),
}

/// The object types a reference may point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefTarget {
    /// Any STIX object.
    Any,
    /// An SDO; custom types of unknown family are allowed.
    Domain,
    /// An SCO; custom types of unknown family are allowed.
    Observable,
    /// An SDO or SCO (relationship ends); custom types of unknown family are allowed.
    DomainOrObservable,
    /// An SCO or SRO (observed-data `object_refs`); custom types of unknown family are allowed.
    ObservableOrRelationship,
    /// Exactly one of these types.
    Types(&'static [&'static str]),
}

/// What STIX 2.1 defines for one object type.
#[derive(Debug)]
pub struct TypeSpec {
    /// The type name.
    pub name: &'static str,
    /// SDO, SRO, SCO or meta.
    pub family: ObjectFamily,
    /// Properties that must be present, besides the common ones of its family.
    pub required: &'static [&'static str],
    /// The type-specific properties and their kinds.
    pub properties: &'static [(&'static str, PropertyKind)],
}

impl TypeSpec {
    /// The kind of a type-specific property, if STIX 2.1 defines it for this type.
    pub fn property(&self, name: &str) -> Option<PropertyKind> {
        self.properties
            .iter()
            .find(|(property, _)| *property == name)
            .map(|(_, kind)| *kind)
    }
}

/// The common properties of STIX objects other than `type` and `id` (§3.2).
pub const COMMON_OBJECT_PROPERTIES: [&str; 13] = [
    "spec_version",
    "created_by_ref",
    "created",
    "modified",
    "revoked",
    "labels",
    "confidence",
    "lang",
    "external_references",
    "object_marking_refs",
    "granular_markings",
    "extensions",
    "defanged",
];

/// Whether STIX 2.1 defines `property` on objects of `type_name` (`type`, `id`, the common properties, the
/// type's own); anything else is a custom property.
pub fn defines_property(type_name: &str, property: &str) -> bool {
    matches!(property, "type" | "id")
        || COMMON_OBJECT_PROPERTIES.contains(&property)
        || type_spec(type_name).is_some_and(|spec| spec.property(property).is_some())
}

/// The format a hash value must have for a hash algorithm of the hash-algorithm-ov (§10.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashFormat {
    /// Exactly this many hexadecimal digits.
    Hex(usize),
    /// An ssdeep fuzzy hash: `[A-Za-z0-9/+:.]`, 1–128 characters.
    Ssdeep,
    /// A TLSH digest: 70 hexadecimal digits, optionally prefixed with the version `T1`.
    Tlsh,
}

/// The format values of the hash algorithm `name` must have; `None` for custom algorithms.
pub fn hash_format(name: &str) -> Option<HashFormat> {
    match name {
        "MD5" => Some(HashFormat::Hex(32)),
        "SHA-1" => Some(HashFormat::Hex(40)),
        "SHA-256" | "SHA3-256" => Some(HashFormat::Hex(64)),
        "SHA-512" | "SHA3-512" => Some(HashFormat::Hex(128)),
        "SSDEEP" => Some(HashFormat::Ssdeep),
        "TLSH" => Some(HashFormat::Tlsh),
        _ => None,
    }
}

/// opinion-enum (§10.18).
pub const OPINION_ENUM: [&str; 5] = [
    "strongly-disagree",
    "disagree",
    "neutral",
    "agree",
    "strongly-agree",
];

/// extension-type-enum (§10.10).
pub const EXTENSION_TYPE_ENUM: [&str; 5] = [
    "new-sdo",
    "new-sco",
    "new-sro",
    "property-extension",
    "toplevel-property-extension",
];

/// encryption-algorithm-enum (§10.9), for artifact `encryption_algorithm`.
pub const ENCRYPTION_ALGORITHM_ENUM: [&str; 3] = ["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"];

/// windows-registry-datatype-enum (§10.29), for windows-registry-key `values[].data_type`.
pub const WINDOWS_REGISTRY_DATATYPE_ENUM: [&str; 14] = [
    "REG_NONE",
    "REG_SZ",
    "REG_EXPAND_SZ",
    "REG_BINARY",
    "REG_DWORD",
    "REG_DWORD_BIG_ENDIAN",
    "REG_DWORD_LITTLE_ENDIAN",
    "REG_LINK",
    "REG_MULTI_SZ",
    "REG_RESOURCE_LIST",
    "REG_FULL_RESOURCE_DESCRIPTION",
    "REG_RESOURCE_REQUIREMENTS_LIST",
    "REG_QWORD",
    "REG_INVALID_TYPE",
];

/// Properties the predefined SCO extensions require (§6.3, §6.12, §6.13): `(extension, required properties)`.
pub const EXTENSION_REQUIRED_PROPERTIES: [(&str, &[&str]); 5] = [
    ("archive-ext", &["contains_refs"]),
    ("windows-pebinary-ext", &["pe_type"]),
    ("http-request-ext", &["request_method", "request_value"]),
    ("icmp-ext", &["icmp_type_hex", "icmp_code_hex"]),
    ("socket-ext", &["address_family"]),
];

/// The closed enumerations used inside predefined SCO extensions (§10.15, §10.16, §10.27, §10.30–§10.32):
/// `(extension, property, allowed values)`.
pub const EXTENSION_ENUMS: [(&str, &str, &[&str]); 6] = [
    (
        "windows-process-ext",
        "integrity_level",
        &["low", "medium", "high", "system"],
    ),
    (
        "windows-service-ext",
        "start_type",
        &[
            "SERVICE_AUTO_START",
            "SERVICE_BOOT_START",
            "SERVICE_DEMAND_START",
            "SERVICE_DISABLED",
            "SERVICE_SYSTEM_ALERT",
        ],
    ),
    (
        "windows-service-ext",
        "service_type",
        &[
            "SERVICE_KERNEL_DRIVER",
            "SERVICE_FILE_SYSTEM_DRIVER",
            "SERVICE_WIN32_OWN_PROCESS",
            "SERVICE_WIN32_SHARE_PROCESS",
        ],
    ),
    (
        "windows-service-ext",
        "service_status",
        &[
            "SERVICE_CONTINUE_PENDING",
            "SERVICE_PAUSE_PENDING",
            "SERVICE_PAUSED",
            "SERVICE_RUNNING",
            "SERVICE_START_PENDING",
            "SERVICE_STOP_PENDING",
            "SERVICE_STOPPED",
        ],
    ),
    (
        "socket-ext",
        "address_family",
        &[
            "AF_UNSPEC",
            "AF_INET",
            "AF_IPX",
            "AF_APPLETALK",
            "AF_NETBIOS",
            "AF_INET6",
            "AF_IRDA",
            "AF_BTH",
        ],
    ),
    (
        "socket-ext",
        "socket_type",
        &[
            "SOCK_STREAM",
            "SOCK_DGRAM",
            "SOCK_RAW",
            "SOCK_RDM",
            "SOCK_SEQPACKET",
        ],
    ),
];

/// The predefined SCO extensions (§6) and the SCO type each belongs to. They are keyed by name, not by an
/// extension-definition id, and carry no `extension_type`.
pub const PREDEFINED_SCO_EXTENSIONS: [(&str, &str); 12] = [
    ("archive-ext", "file"),
    ("ntfs-ext", "file"),
    ("pdf-ext", "file"),
    ("raster-image-ext", "file"),
    ("windows-pebinary-ext", "file"),
    ("http-request-ext", "network-traffic"),
    ("icmp-ext", "network-traffic"),
    ("socket-ext", "network-traffic"),
    ("tcp-ext", "network-traffic"),
    ("windows-process-ext", "process"),
    ("windows-service-ext", "process"),
    ("unix-account-ext", "user-account"),
];

/// The family of a type name defined by STIX 2.1, `None` for custom types.
pub fn family_of(type_name: &str) -> Option<ObjectFamily> {
    type_spec(type_name).map(|spec| spec.family)
}

/// What STIX 2.1 defines for `type_name`, `None` for custom types.
pub fn type_spec(type_name: &str) -> Option<&'static TypeSpec> {
    TYPE_SPECS.iter().find(|spec| spec.name == type_name)
}

/// Whether an object of type `target_type` may be referenced where `target` is allowed.
pub fn ref_target_allows(target: RefTarget, target_type: &str) -> bool {
    let family = family_of(target_type);
    match target {
        RefTarget::Any => true,
        RefTarget::Types(types) => types.contains(&target_type),
        RefTarget::Domain => matches!(family, None | Some(ObjectFamily::Domain)),
        RefTarget::Observable => matches!(family, None | Some(ObjectFamily::Observable)),
        RefTarget::DomainOrObservable => {
            matches!(
                family,
                None | Some(ObjectFamily::Domain | ObjectFamily::Observable)
            )
        }
        RefTarget::ObservableOrRelationship => {
            matches!(
                family,
                None | Some(ObjectFamily::Observable | ObjectFamily::Relationship)
            )
        }
    }
}

/// A short English description of a reference target, for diagnostics.
pub fn describe_ref_target(target: RefTarget) -> String {
    match target {
        RefTarget::Any => "any STIX object".to_owned(),
        RefTarget::Domain => "an SDO".to_owned(),
        RefTarget::Observable => "an SCO".to_owned(),
        RefTarget::DomainOrObservable => "an SDO or SCO".to_owned(),
        RefTarget::ObservableOrRelationship => "an SCO or SRO".to_owned(),
        RefTarget::Types(types) => types.join(" or "),
    }
}

const fn r(types: &'static [&'static str]) -> PropertyKind {
    PropertyKind::Ref(RefTarget::Types(types))
}

const fn rl(types: &'static [&'static str]) -> PropertyKind {
    PropertyKind::RefList(RefTarget::Types(types))
}

const ANY: PropertyKind = PropertyKind::RefList(RefTarget::Any);

const fn spec(
    name: &'static str,
    family: ObjectFamily,
    required: &'static [&'static str],
    properties: &'static [(&'static str, PropertyKind)],
) -> TypeSpec {
    TypeSpec {
        name,
        family,
        required,
        properties,
    }
}

// The table is kept one type per entry and one property per pair, so it reads like the spec's property tables.
#[rustfmt::skip]
static TYPE_SPECS: [TypeSpec; 42] = [
    spec("attack-pattern", SDO, &["name"], &[("name", S), ("description", S), ("aliases", SL), ("kill_chain_phases", K)]),
    spec("campaign", SDO, &["name"], &[("name", S), ("description", S), ("aliases", SL), ("first_seen", T), ("last_seen", T), ("objective", S)]),
    spec("course-of-action", SDO, &["name"], &[("name", S), ("description", S)]),
    spec("grouping", SDO, &["context", "object_refs"], &[("name", S), ("description", S), ("context", S), ("object_refs", ANY)]),
    spec("identity", SDO, &["name"], &[("name", S), ("description", S), ("roles", SL), ("identity_class", S), ("sectors", SL), ("contact_information", S)]),
    spec("incident", SDO, &["name"], &[("name", S), ("description", S), ("kill_chain_phases", K)]),
    spec("indicator", SDO, &["pattern", "pattern_type", "valid_from"], &[("name", S), ("description", S), ("indicator_types", SL), ("pattern", S), ("pattern_type", S), ("pattern_version", S), ("valid_from", T), ("valid_until", T), ("kill_chain_phases", K)]),
    spec("infrastructure", SDO, &["name"], &[("name", S), ("description", S), ("infrastructure_types", SL), ("aliases", SL), ("kill_chain_phases", K), ("first_seen", T), ("last_seen", T)]),
    spec("intrusion-set", SDO, &["name"], &[("name", S), ("description", S), ("aliases", SL), ("first_seen", T), ("last_seen", T), ("goals", SL), ("resource_level", S), ("primary_motivation", S), ("secondary_motivations", SL)]),
    spec("location", SDO, &[], &[("name", S), ("description", S), ("latitude", N), ("longitude", N), ("precision", N), ("region", S), ("country", S), ("administrative_area", S), ("city", S), ("street_address", S), ("postal_code", S)]),
    spec("malware", SDO, &["is_family"], &[("name", S), ("description", S), ("malware_types", SL), ("is_family", B), ("aliases", SL), ("kill_chain_phases", K), ("first_seen", T), ("last_seen", T), ("operating_system_refs", rl(&["software"])), ("architecture_execution_envs", SL), ("implementation_languages", SL), ("capabilities", SL), ("sample_refs", rl(&["file", "artifact"]))]),
    spec("malware-analysis", SDO, &["product"], &[("product", S), ("version", S), ("host_vm_ref", r(&["software"])), ("operating_system_ref", r(&["software"])), ("installed_software_refs", rl(&["software"])), ("configuration_version", S), ("modules", SL), ("analysis_engine_version", S), ("analysis_definition_version", S), ("submitted", T), ("analysis_started", T), ("analysis_ended", T), ("result_name", S), ("result", S), ("analysis_sco_refs", PropertyKind::RefList(RefTarget::Observable)), ("sample_ref", r(&["file", "artifact", "network-traffic"]))]),
    spec("note", SDO, &["content", "object_refs"], &[("abstract", S), ("content", S), ("authors", SL), ("object_refs", ANY)]),
    spec("observed-data", SDO, &["first_observed", "last_observed", "number_observed"], &[("first_observed", T), ("last_observed", T), ("number_observed", I), ("objects", D), ("object_refs", PropertyKind::RefList(RefTarget::ObservableOrRelationship))]),
    spec("opinion", SDO, &["opinion", "object_refs"], &[("explanation", S), ("authors", SL), ("opinion", S), ("object_refs", ANY)]),
    spec("report", SDO, &["name", "published", "object_refs"], &[("name", S), ("description", S), ("report_types", SL), ("published", T), ("object_refs", ANY)]),
    spec("threat-actor", SDO, &["name"], &[("name", S), ("description", S), ("threat_actor_types", SL), ("aliases", SL), ("first_seen", T), ("last_seen", T), ("roles", SL), ("goals", SL), ("sophistication", S), ("resource_level", S), ("primary_motivation", S), ("secondary_motivations", SL), ("personal_motivations", SL)]),
    spec("tool", SDO, &["name"], &[("name", S), ("description", S), ("tool_types", SL), ("aliases", SL), ("kill_chain_phases", K), ("tool_version", S)]),
    spec("vulnerability", SDO, &["name"], &[("name", S), ("description", S)]),
    spec("relationship", SRO, &["relationship_type", "source_ref", "target_ref"], &[("relationship_type", S), ("description", S), ("source_ref", PropertyKind::Ref(RefTarget::DomainOrObservable)), ("target_ref", PropertyKind::Ref(RefTarget::DomainOrObservable)), ("start_time", T), ("stop_time", T)]),
    spec("sighting", SRO, &["sighting_of_ref"], &[("description", S), ("first_seen", T), ("last_seen", T), ("count", I), ("sighting_of_ref", PropertyKind::Ref(RefTarget::Domain)), ("observed_data_refs", rl(&["observed-data"])), ("where_sighted_refs", rl(&["identity", "location"])), ("summary", B)]),
    spec("artifact", SCO, &[], &[("mime_type", S), ("payload_bin", BIN), ("url", URL), ("hashes", H), ("encryption_algorithm", S), ("decryption_key", S)]),
    spec("autonomous-system", SCO, &["number"], &[("number", I), ("name", S), ("rir", S)]),
    spec("directory", SCO, &["path"], &[("path", S), ("path_enc", S), ("ctime", T), ("mtime", T), ("atime", T), ("contains_refs", rl(&["file", "directory"]))]),
    spec("domain-name", SCO, &["value"], &[("value", S), ("resolves_to_refs", rl(&["ipv4-addr", "ipv6-addr", "domain-name"]))]),
    spec("email-addr", SCO, &["value"], &[("value", S), ("display_name", S), ("belongs_to_ref", r(&["user-account"]))]),
    spec("email-message", SCO, &["is_multipart"], &[("is_multipart", B), ("date", T), ("content_type", S), ("from_ref", r(&["email-addr"])), ("sender_ref", r(&["email-addr"])), ("to_refs", rl(&["email-addr"])), ("cc_refs", rl(&["email-addr"])), ("bcc_refs", rl(&["email-addr"])), ("message_id", S), ("subject", S), ("received_lines", SL), ("additional_header_fields", D), ("body", S), ("body_multipart", L), ("raw_email_ref", r(&["artifact"]))]),
    spec("file", SCO, &[], &[("hashes", H), ("size", I), ("name", S), ("name_enc", S), ("magic_number_hex", HEX), ("mime_type", S), ("ctime", T), ("mtime", T), ("atime", T), ("parent_directory_ref", r(&["directory"])), ("contains_refs", PropertyKind::RefList(RefTarget::Observable)), ("content_ref", r(&["artifact"]))]),
    spec("ipv4-addr", SCO, &["value"], &[("value", S), ("resolves_to_refs", rl(&["mac-addr"])), ("belongs_to_refs", rl(&["autonomous-system"]))]),
    spec("ipv6-addr", SCO, &["value"], &[("value", S), ("resolves_to_refs", rl(&["mac-addr"])), ("belongs_to_refs", rl(&["autonomous-system"]))]),
    spec("mac-addr", SCO, &["value"], &[("value", S)]),
    spec("mutex", SCO, &["name"], &[("name", S)]),
    spec("network-traffic", SCO, &["protocols"], &[("start", T), ("end", T), ("is_active", B), ("src_ref", r(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"])), ("dst_ref", r(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"])), ("src_port", I), ("dst_port", I), ("protocols", SL), ("src_byte_count", I), ("dst_byte_count", I), ("src_packets", I), ("dst_packets", I), ("ipfix", D), ("src_payload_ref", r(&["artifact"])), ("dst_payload_ref", r(&["artifact"])), ("encapsulates_refs", rl(&["network-traffic"])), ("encapsulated_by_ref", r(&["network-traffic"]))]),
    spec("process", SCO, &[], &[("is_hidden", B), ("pid", I), ("created_time", T), ("cwd", S), ("command_line", S), ("environment_variables", D), ("opened_connection_refs", rl(&["network-traffic"])), ("creator_user_ref", r(&["user-account"])), ("image_ref", r(&["file"])), ("parent_ref", r(&["process"])), ("child_refs", rl(&["process"]))]),
    spec("software", SCO, &["name"], &[("name", S), ("cpe", S), ("swid", S), ("languages", SL), ("vendor", S), ("version", S)]),
    spec("url", SCO, &["value"], &[("value", URL)]),
    spec("user-account", SCO, &[], &[("user_id", S), ("credential", S), ("account_login", S), ("account_type", S), ("display_name", S), ("is_service_account", B), ("is_privileged", B), ("can_escalate_privs", B), ("is_disabled", B), ("account_created", T), ("account_expires", T), ("credential_last_changed", T), ("account_first_login", T), ("account_last_login", T)]),
    spec("windows-registry-key", SCO, &[], &[("key", S), ("values", L), ("modified_time", T), ("creator_user_ref", r(&["user-account"])), ("number_of_subkeys", I)]),
    spec("x509-certificate", SCO, &[], &[("is_self_signed", B), ("hashes", H), ("version", S), ("serial_number", S), ("signature_algorithm", S), ("issuer", S), ("validity_not_before", T), ("validity_not_after", T), ("subject", S), ("subject_public_key_algorithm", S), ("subject_public_key_modulus", S), ("subject_public_key_exponent", I), ("x509_v3_extensions", OBJ)]),
    spec("marking-definition", META, &[], &[("name", S), ("definition_type", S), ("definition", OBJ)]),
    spec("extension-definition", META, &["created_by_ref", "name", "schema", "version", "extension_types"], &[("name", S), ("description", S), ("schema", S), ("version", S), ("extension_types", SL), ("extension_properties", SL)]),
    spec("language-content", META, &["object_ref", "contents"], &[("object_ref", PropertyKind::Ref(RefTarget::Any)), ("object_modified", T), ("contents", OBJ)]),
];

/// The ID contributing properties (§6) of SCO types that may lack all of them; without any, the id must be a
/// UUIDv4. `process` has none, so its id is always a UUIDv4.
pub fn optional_id_contributing_properties(type_name: &str) -> Option<&'static [&'static str]> {
    match type_name {
        "artifact" => Some(&["hashes", "payload_bin"]),
        "email-message" => Some(&["from_ref", "subject", "body"]),
        "user-account" => Some(&["account_type", "user_id", "account_login"]),
        "windows-registry-key" => Some(&["key", "values"]),
        "x509-certificate" => Some(&["hashes", "serial_number"]),
        "process" => Some(&[]),
        _ => None,
    }
}
