//! Anonymity by consent: the hub as publisher of record (AIS style).
//!
//! When a submitter's consent does not reveal it to a reader ([`disclosure`]), the reader is served the
//! submission republished by the hub ([`republish`]): a new id, `created_by_ref` = the hub identity, and the
//! copy rewritten by the rules of [`copy`] (what it keeps, rewrites and drops; `crates/policy/README.md`).
//!
//! Invariants:
//! - **Deterministic ids.** The new id is `<type>--UUIDv5(hub namespace, "<submitter org>\0<original id>")`, so
//!   every version of an original id maps to the same new id, and references from later submissions map to it
//!   too. `created` and `modified` are kept, so the hub's versions of the new id follow the submitter's versions
//!   one for one: only the creator (now the hub, on the submitter's behalf) versions the new id (trap 16).
//! - **A secret namespace.** The hub namespace is a random UUID the hub generates once and keeps private; with a
//!   public namespace, anyone holding an original id could test a guess of who submitted it.
//! - **Observables are not republished.** SCOs carry no `created_by_ref` and have content-derived ids that other
//!   producers compute too; they pass unchanged, and so do references inside them.
//! - **The submitter's own identity object is withheld,** and references to it point at the hub identity.
//! - **Definitions are republished like SDOs.** A marking- or extension-definition the submitter posted gets a
//!   hub-minted id too (its id was minted by the submitter and is often published beside its name), and the
//!   same organisation's objects that use it are rewritten to that id (`extensions` keys, marking references),
//!   so they stay interpretable. Only the definitions whose ids are fixed by a standard or by stixhub
//!   ([`is_public_definition`]: the TLP markings, the TLP 2.0 extension, the redaction extension, the EXERCISE
//!   statement marking of issue 16) keep theirs.
//!   Republishing never fails on a well-formed object: a definition can never break a read.
//!
//! The returned mapping (original → new) is private: the hub keeps it for hub admins and the submitter.

pub mod copy;

use serde_json::Value;
use stix::id::StixId;
use stix::markings::{EXERCISE_MARKING_ID, TLP2_EXTENSION_ID, predefined_tlp};
use stix::object::object_kind;
use stix::vocab::ObjectFamily;
use uuid::Uuid;

use crate::granular::REDACTION_EXTENSION_ID;

use crate::error::PolicyError;
use crate::model::{Consent, OrgId, Reader};

/// The hub as publisher of record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubIdentity {
    /// The hub's STIX identity id (`identity--…`), put in `created_by_ref` of what it republishes.
    pub identity_id: String,
    /// The hub's secret UUIDv5 namespace for republished ids.
    pub namespace: Uuid,
}

/// The submitter of an object, as the hub knows it.
#[derive(Debug, Clone, Copy)]
pub struct Submitter<'a> {
    /// The submitting organisation.
    pub org: &'a OrgId,
    /// Its STIX identity id, when it has one (references to it are replaced by the hub identity).
    pub identity_id: Option<&'a str>,
    /// What it consents to reveal.
    pub consent: Consent,
    /// Text that names the submitter (its organisation's name, its identities' names, its accounts): removed
    /// from every string of a republished copy (`copy::scrub_names`).
    pub names: &'a [String],
}

/// How a reader stands towards a submitter, for disclosure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderClass {
    /// A reader from the submitting organisation itself.
    SubmitterOrganisation,
    /// A reader from a government organisation.
    Government,
    /// Any other reader.
    NonGovernment,
}

/// Whether a reader is served the submission as submitted or republished by the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disclosure {
    /// Serve the original.
    Reveal,
    /// Serve the hub's republished copy.
    Republish,
}

/// The class of `reader` towards a submission by `submitter_org`.
pub fn reader_class(reader: &Reader, submitter_org: &OrgId) -> ReaderClass {
    if reader.org == *submitter_org {
        ReaderClass::SubmitterOrganisation
    } else if reader.org_government {
        ReaderClass::Government
    } else {
        ReaderClass::NonGovernment
    }
}

/// Whether a reader of `class` sees a submitter with `consent` revealed. Roles play no part: a hub admin
/// reads the mapping through its own, audited path.
pub fn disclosure(consent: Consent, class: ReaderClass) -> Disclosure {
    match (consent, class) {
        (_, ReaderClass::SubmitterOrganisation) | (Consent::Everyone, _) => Disclosure::Reveal,
        (Consent::Government, ReaderClass::Government) => Disclosure::Reveal,
        (Consent::Government | Consent::None, _) => Disclosure::Republish,
    }
}

/// One original id and the id the hub republishes it under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IdMapping {
    /// The submitter's id.
    pub original: StixId,
    /// The hub's id.
    pub republished: StixId,
}

/// The result of republishing one object.
#[derive(Debug, Clone, PartialEq)]
pub struct Republished {
    /// The object to serve, or `None` when it must not be served at all (the submitter's own identity).
    pub object: Option<Value>,
    /// Every id rewritten in it (its own and the references), sorted and without duplicates.
    pub mapping: Vec<IdMapping>,
}

/// The id the hub republishes `original` under, for objects submitted by `submitter_org`.
pub fn republished_id(hub: &HubIdentity, submitter_org: &OrgId, original: &StixId) -> StixId {
    let name = format!("{}\0{}", submitter_org.as_str(), original.as_str());
    StixId::from_parts(
        original.object_type(),
        Uuid::new_v5(&hub.namespace, name.as_bytes()),
    )
}

/// Whether objects of this type are republished under a new id (SDOs, SROs, language-content). Definitions
/// are decided by id: see [`is_republished_id`].
pub fn is_republished_type(object_type: &str) -> bool {
    match object_kind(object_type) {
        ObjectFamily::Domain | ObjectFamily::Relationship => true,
        ObjectFamily::Meta => object_type == "language-content",
        ObjectFamily::Observable => false,
    }
}

/// Whether a definition id is fixed by a standard or by stixhub, so it names nobody and is never rewritten.
pub fn is_public_definition(id: &str) -> bool {
    predefined_tlp(id).is_some()
        || id == TLP2_EXTENSION_ID
        || id == REDACTION_EXTENSION_ID
        || id == EXERCISE_MARKING_ID
}

/// Whether an object with this id is served under a hub-minted id when its submitter is not revealed: SDOs,
/// SROs, language-content, and marking- and extension-definitions other than the public ones.
pub fn is_republished_id(id: &StixId) -> bool {
    let object_type = id.object_type();
    is_republished_type(object_type)
        || (matches!(object_type, "marking-definition" | "extension-definition")
            && !is_public_definition(id.as_str()))
}

/// Republishes `object` with the hub as publisher of record. `is_republished(id)` says whether an id the
/// object mentions (a reference, an `extensions` key, an id in text) belongs to another object the same
/// organisation submitted, so it is rewritten to its republished id; the object's own id need not be in it.
pub fn republish(
    object: &Value,
    hub: &HubIdentity,
    submitter: &Submitter<'_>,
    is_republished: impl Fn(&str) -> bool,
) -> Result<Republished, PolicyError> {
    let id_text = object
        .get("id")
        .and_then(Value::as_str)
        .ok_or(PolicyError::MalformedObject("no id"))?;
    let id = StixId::parse(id_text).map_err(|_| PolicyError::MalformedObject("the id is not a STIX id"))?;
    if Some(id_text) == submitter.identity_id {
        return Ok(Republished {
            object: None,
            mapping: Vec::new(),
        });
    }
    if !is_republished_id(&id) {
        return Ok(Republished {
            object: Some(object.clone()),
            mapping: Vec::new(),
        });
    }
    let mut copy = object.clone();
    let mut mapping = Vec::new();
    let rewrite = copy::Rewrite {
        hub,
        submitter,
        is_republished: &is_republished,
    };
    rewrite.object(&mut copy, id.object_type(), &mut mapping)?;
    let new_id = republished_id(hub, submitter.org, &id);
    let members = copy
        .as_object_mut()
        .ok_or(PolicyError::MalformedObject("not a JSON object"))?;
    members.insert("id".to_owned(), Value::from(new_id.as_str()));
    members.insert("created_by_ref".to_owned(), Value::from(hub.identity_id.as_str()));
    mapping.push(IdMapping {
        original: id,
        republished: new_id,
    });
    mapping.sort();
    mapping.dedup();
    Ok(Republished {
        object: Some(copy),
        mapping,
    })
}
