//! The one gate: what a reader is served of one stored object version, combining clearance, granular markings
//! and anonymity in the order that keeps each correct.
//!
//! 1. [`decide`]: hidden objects yield nothing (not the object, its manifest entry or its date).
//! 2. Granular markings are applied to the **original** (their selectors name the original's content).
//! 3. Anonymity: when the submitter's consent does not reveal it to this reader, the (possibly redacted) object
//!    is republished with the hub as publisher of record. `identity` objects from such a submitter are withheld
//!    altogether: whether they describe the submitter itself cannot be told from the object, and a name or a
//!    sector in one would undo the anonymity.
//!
//! Invariant: [`Served::Original`] means "send the stored bytes untouched"; the object is parsed only when a
//! granular marking or republishing needs it, so the common path costs one `decide` and a substring check.

use serde_json::Value;
use stix::id::StixId;

use crate::anonymity::{
    Disclosure, HubIdentity, Submitter, disclosure, reader_class, republish, republished_id,
};
use crate::clearance::{Marking, SharingFacts, Visibility, cleared_for_marking, decide};
use crate::error::PolicyError;
use crate::granular::{RedactedCopy, redact_for_reader};
use crate::model::Reader;

/// One stored object version, as the gate needs it.
#[derive(Debug, Clone, Copy)]
pub struct StoredObject<'a> {
    /// Its exact stored bytes.
    pub raw_json: &'a str,
    /// Its id as stored (the submitter's).
    pub id: &'a StixId,
    /// The clearance facts.
    pub facts: SharingFacts<'a>,
    /// Who submitted it, with their consent.
    pub submitter: Submitter<'a>,
}

/// What to send.
#[derive(Debug, Clone, PartialEq)]
pub enum Served {
    /// Nothing at all.
    Hidden,
    /// The stored bytes, untouched.
    Original,
    /// This copy (granular content removed and/or republished by the hub).
    Copy(Value),
}

/// What `reader` is served of `object`. `is_republished(id)` says whether an object the stored one refers to was
/// republished for the same submitter (the hub's private mapping).
pub fn serve(
    reader: &Reader,
    object: &StoredObject<'_>,
    hub: &HubIdentity,
    is_republished: impl Fn(&str) -> bool,
) -> Result<Served, PolicyError> {
    if decide(reader, &object.facts) == Visibility::Hidden {
        return Ok(Served::Hidden);
    }
    let republishes = disclosure(
        object.submitter.consent,
        reader_class(reader, object.submitter.org),
    ) == Disclosure::Republish;
    if republishes && object.id.object_type() == "identity" {
        return Ok(Served::Hidden);
    }
    let may_have_granular = object.raw_json.contains("\"granular_markings\"");
    if !republishes && !may_have_granular {
        return Ok(Served::Original);
    }
    let value: Value = serde_json::from_str(object.raw_json)
        .map_err(|_| PolicyError::MalformedObject("stored bytes are not JSON"))?;
    let cleared =
        |marking_ref: &str| cleared_for_marking(reader, &object.facts, &Marking::classify(marking_ref));
    let (value, redacted) = match redact_for_reader(&value, cleared) {
        None => (value, false),
        Some(RedactedCopy::Withheld) => return Ok(Served::Hidden),
        Some(RedactedCopy::Redacted(copy)) => (copy, true),
    };
    if !republishes {
        return Ok(if redacted {
            Served::Copy(value)
        } else {
            Served::Original
        });
    }
    match republish(&value, hub, &object.submitter, is_republished)?.object {
        Some(copy) => Ok(Served::Copy(copy)),
        None => Ok(Served::Hidden),
    }
}

/// The id `reader` knows the object by (for manifests, versions and `match[id]` filters), or `None` when it is
/// hidden from the reader. Does not parse the object.
pub fn served_id(reader: &Reader, object: &StoredObject<'_>, hub: &HubIdentity) -> Option<StixId> {
    if decide(reader, &object.facts) == Visibility::Hidden {
        return None;
    }
    let class = reader_class(reader, object.submitter.org);
    let republishes = disclosure(object.submitter.consent, class) == Disclosure::Republish;
    if republishes
        && (object.submitter.identity_id == Some(object.id.as_str()) || object.id.object_type() == "identity")
    {
        return None;
    }
    let id_is_republished = crate::anonymity::is_republished_id(object.id);
    Some(if republishes && id_is_republished {
        republished_id(hub, object.submitter.org, object.id)
    } else {
        object.id.clone()
    })
}
