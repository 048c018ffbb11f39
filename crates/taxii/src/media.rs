//! Media types and the Accept / Content-Type negotiation of TAXII 2.1 (§1.6.8 of the specification).
//!
//! Decisions (documented for clients): an Accept header that is absent, `*/*` or `application/*` is served as
//! TAXII 2.1, since curl sends `*/*` and "no version" means "newest". `application/taxii+json` with no version
//! or `version=2.1` is accepted everywhere; `application/stix+json;version=2.1` only where the specification
//! lists it (the manifest). Anything else, `version=2.0` included, is refused (406). A POST must carry
//! `application/taxii+json` with no version or version 2.1 (else 415); a Content-Type on a GET is ignored.

/// The media type of every TAXII 2.1 response, errors included.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// The STIX 2.1 media type, as listed in collections and manifest records.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// Which Accept values an endpoint defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcceptProfile {
    /// Only the TAXII media type.
    Taxii,
    /// The TAXII media type or the STIX media type (the manifest endpoint).
    TaxiiOrStix,
}

/// One media range of an Accept header, or a Content-Type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MediaRange {
    essence: String,
    version: Option<String>,
    quality_zero: bool,
}

fn parse_media_range(text: &str) -> Option<MediaRange> {
    let mut parts = text.split(';');
    let essence = parts.next()?.trim().to_ascii_lowercase();
    if essence.is_empty() {
        return None;
    }
    let mut version = None;
    let mut quality_zero = false;
    for param in parts {
        let Some((key, value)) = param.split_once('=') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().trim_matches('"').to_owned();
        match key.as_str() {
            "version" => version = Some(value),
            "q" => quality_zero = value.parse::<f32>().is_ok_and(|q| q <= 0.0),
            _ => {}
        }
    }
    Some(MediaRange {
        essence,
        version,
        quality_zero,
    })
}

fn is_version_21(version: Option<&str>) -> bool {
    version.is_none_or(|v| v == "2.1")
}

/// True when a response in TAXII 2.1 satisfies `accept` for an endpoint with `profile`.
pub fn accept_is_satisfiable(accept: Option<&str>, profile: AcceptProfile) -> bool {
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        return true;
    };
    accept
        .split(',')
        .filter_map(parse_media_range)
        .filter(|range| !range.quality_zero)
        .any(|range| match range.essence.as_str() {
            "*/*" | "application/*" => true,
            "application/taxii+json" => is_version_21(range.version.as_deref()),
            "application/stix+json" => {
                profile == AcceptProfile::TaxiiOrStix && is_version_21(range.version.as_deref())
            }
            _ => false,
        })
}

/// True when `content_type` is acceptable for a POST of an envelope.
pub fn content_type_is_taxii_21(content_type: Option<&str>) -> bool {
    content_type.and_then(parse_media_range).is_some_and(|range| {
        range.essence == "application/taxii+json" && is_version_21(range.version.as_deref())
    })
}
