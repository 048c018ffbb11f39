//! `StixObject`: one validated STIX object, kept as its exact original bytes plus a parsed view.
//!
//! Invariant: a `StixObject` exists only for JSON that passed `validate::validate_object`, so its `id`,
//! `type` and timestamps are well formed. `raw_json` returns the bytes exactly as received; nothing in the hub
//! re-serialises an object it serves. The parsed `Value` is used for checks and typed access only.

use serde_json::Value;
use serde_json::value::RawValue;

use crate::diagnostic::Diagnostic;
use crate::id::StixId;
use crate::timestamp::Timestamp;
use crate::validate;
use crate::vocab::{self, ObjectFamily};

/// One STIX object: exact bytes, parsed view, and the properties every part of the hub needs.
#[derive(Debug, Clone)]
pub struct StixObject {
    raw: Box<RawValue>,
    value: Value,
    id: StixId,
    created: Option<Timestamp>,
    modified: Option<Timestamp>,
}

impl StixObject {
    /// Parses and validates one object from its JSON text; the text is kept byte for byte.
    pub fn from_json(text: &str) -> Result<StixObject, Vec<Diagnostic>> {
        let raw = RawValue::from_string(text.to_owned())
            .map_err(|err| vec![Diagnostic::new("json-syntax", "$", err.to_string())])?;
        StixObject::from_raw(raw)
    }

    /// Parses and validates one object from a raw JSON value (as split from a bundle).
    pub fn from_raw(raw: Box<RawValue>) -> Result<StixObject, Vec<Diagnostic>> {
        let value: Value = serde_json::from_str(raw.get())
            .map_err(|err| vec![Diagnostic::new("json-syntax", "$", err.to_string())])?;
        let mut diagnostics = Vec::new();
        validate::validate_object(&value, "$", &mut diagnostics);
        if !diagnostics.is_empty() {
            return Err(diagnostics);
        }
        let invalid = |what: &str| {
            vec![Diagnostic::new(
                "internal",
                "$",
                format!("validated object lacks {what}"),
            )]
        };
        let id = value
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| StixId::parse(id).ok())
            .ok_or_else(|| invalid("an id"))?;
        let timestamp = |key| {
            value
                .get(key)
                .and_then(Value::as_str)
                .and_then(|text| Timestamp::parse(text).ok())
        };
        let (created, modified) = (timestamp("created"), timestamp("modified"));
        Ok(StixObject {
            raw,
            value,
            id,
            created,
            modified,
        })
    }

    /// The object exactly as received.
    pub fn raw_json(&self) -> &str {
        self.raw.get()
    }

    /// The parsed view, for checks and properties this type has no accessor for.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The identifier.
    pub fn id(&self) -> &StixId {
        &self.id
    }

    /// The object type (the `type` property, equal to the id's type).
    pub fn object_type(&self) -> &str {
        self.id.object_type()
    }

    /// SDO, SRO, SCO or meta object; a custom type as its extension declares or its properties show.
    pub fn kind(&self) -> ObjectFamily {
        match self.value.as_object() {
            Some(members) => validate::object_family(self.object_type(), members),
            None => object_kind(self.object_type()),
        }
    }

    /// `created`, absent on SCOs.
    pub fn created(&self) -> Option<&Timestamp> {
        self.created.as_ref()
    }

    /// `modified`, absent on SCOs and marking-definitions.
    pub fn modified(&self) -> Option<&Timestamp> {
        self.modified.as_ref()
    }

    /// The version timestamp as TAXII defines it: `modified`, else `created`; `None` for unversioned SCOs.
    pub fn version(&self) -> Option<&Timestamp> {
        self.modified.as_ref().or(self.created.as_ref())
    }

    /// `spec_version` as written (absent on many SCOs, where it means 2.1).
    pub fn spec_version(&self) -> Option<&str> {
        self.str_property("spec_version")
    }

    /// `revoked`, false when absent.
    pub fn revoked(&self) -> bool {
        self.value
            .get("revoked")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// `created_by_ref`.
    pub fn created_by_ref(&self) -> Option<&str> {
        self.str_property("created_by_ref")
    }

    /// `confidence` (0–100).
    pub fn confidence(&self) -> Option<u8> {
        self.value
            .get("confidence")
            .and_then(Value::as_u64)
            .and_then(|c| u8::try_from(c).ok())
    }

    /// The marking-definition ids that apply to the whole object.
    pub fn object_marking_refs(&self) -> impl Iterator<Item = &str> {
        self.str_list("object_marking_refs")
    }

    /// The `granular_markings` list, as `(selectors, marking_ref or lang)` pairs.
    pub fn granular_markings(&self) -> impl Iterator<Item = GranularMarking<'_>> {
        let items = self.value.get("granular_markings").and_then(Value::as_array);
        items.into_iter().flatten().map(|item| GranularMarking {
            selectors: item
                .get("selectors")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default(),
            marking_ref: item.get("marking_ref").and_then(Value::as_str),
            lang: item.get("lang").and_then(Value::as_str),
        })
    }

    /// A string property.
    pub fn str_property(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(Value::as_str)
    }

    /// The strings of a list-of-strings property (empty when absent).
    pub fn str_list(&self, key: &str) -> impl Iterator<Item = &str> {
        let items = self.value.get(key).and_then(Value::as_array);
        items.into_iter().flatten().filter_map(Value::as_str)
    }

    /// The ids an object groups or points at: `object_refs` of report, grouping, note, opinion, observed-data.
    pub fn object_refs(&self) -> impl Iterator<Item = &str> {
        self.str_list("object_refs")
    }

    /// The indicator's pattern fields, when this is an indicator.
    pub fn indicator(&self) -> Option<Indicator<'_>> {
        (self.object_type() == "indicator").then(|| Indicator {
            pattern: self.str_property("pattern").unwrap_or_default(),
            pattern_type: self.str_property("pattern_type").unwrap_or_default(),
            pattern_version: self.str_property("pattern_version"),
            valid_from: self
                .str_property("valid_from")
                .and_then(|t| Timestamp::parse(t).ok()),
            valid_until: self
                .str_property("valid_until")
                .and_then(|t| Timestamp::parse(t).ok()),
        })
    }

    /// The relationship's ends, when this is a relationship.
    pub fn relationship(&self) -> Option<Relationship<'_>> {
        (self.object_type() == "relationship").then(|| Relationship {
            relationship_type: self.str_property("relationship_type").unwrap_or_default(),
            source_ref: self.str_property("source_ref").unwrap_or_default(),
            target_ref: self.str_property("target_ref").unwrap_or_default(),
        })
    }

    /// The sighting's references and counts, when this is a sighting.
    pub fn sighting(&self) -> Option<Sighting<'_>> {
        (self.object_type() == "sighting").then(|| Sighting {
            sighting_of_ref: self.str_property("sighting_of_ref").unwrap_or_default(),
            observed_data_refs: self.str_list("observed_data_refs").collect(),
            where_sighted_refs: self.str_list("where_sighted_refs").collect(),
            count: self.value.get("count").and_then(Value::as_u64),
        })
    }

    /// The opinion value and the objects it is about, when this is an opinion.
    pub fn opinion(&self) -> Option<Opinion<'_>> {
        (self.object_type() == "opinion").then(|| Opinion {
            opinion: self.str_property("opinion").unwrap_or_default(),
            explanation: self.str_property("explanation"),
            object_refs: self.object_refs().collect(),
        })
    }

    /// The note's text and the objects it is about, when this is a note.
    pub fn note(&self) -> Option<Note<'_>> {
        (self.object_type() == "note").then(|| Note {
            abstract_text: self.str_property("abstract"),
            content: self.str_property("content").unwrap_or_default(),
            object_refs: self.object_refs().collect(),
        })
    }

    /// The observation window and count, when this is observed-data.
    pub fn observed_data(&self) -> Option<ObservedData<'_>> {
        let timestamp = |key| self.str_property(key).and_then(|t| Timestamp::parse(t).ok());
        (self.object_type() == "observed-data").then(|| ObservedData {
            first_observed: timestamp("first_observed"),
            last_observed: timestamp("last_observed"),
            number_observed: self
                .value
                .get("number_observed")
                .and_then(Value::as_u64)
                .unwrap_or(1),
            object_refs: self.object_refs().collect(),
        })
    }

    /// The identity's name and class, when this is an identity.
    pub fn identity(&self) -> Option<Identity<'_>> {
        (self.object_type() == "identity").then(|| Identity {
            name: self.str_property("name").unwrap_or_default(),
            identity_class: self.str_property("identity_class"),
            sectors: self.str_list("sectors").collect(),
        })
    }

    /// The marking's name and TLP level, when this is a marking-definition.
    pub fn marking_definition(&self) -> Option<MarkingDefinition<'_>> {
        (self.object_type() == "marking-definition").then(|| MarkingDefinition {
            name: self.str_property("name"),
            tlp: crate::markings::predefined_tlp(self.id.as_str()).map(|tlp| tlp.level),
        })
    }

    /// The extension's name, version and types, when this is an extension-definition.
    pub fn extension_definition(&self) -> Option<ExtensionDefinition<'_>> {
        (self.object_type() == "extension-definition").then(|| ExtensionDefinition {
            name: self.str_property("name").unwrap_or_default(),
            version: self.str_property("version").unwrap_or_default(),
            extension_types: self.str_list("extension_types").collect(),
        })
    }
}

/// The family of a type name, for callers that have no object at hand; unknown (custom) types count as
/// domain objects, the common case (ATT&CK's `x-mitre-*`). [`StixObject::kind`] also reads a custom type's
/// declaration.
pub fn object_kind(object_type: &str) -> ObjectFamily {
    vocab::family_of(object_type).unwrap_or(ObjectFamily::Domain)
}

/// One entry of `granular_markings`.
#[derive(Debug, Clone, Copy)]
pub struct GranularMarking<'a> {
    /// The selectors (strings) it applies to.
    pub selectors: &'a [Value],
    /// The marking-definition applied, or `None` for a language marking.
    pub marking_ref: Option<&'a str>,
    /// The language applied, for a language marking.
    pub lang: Option<&'a str>,
}

/// The pattern fields of an indicator.
#[derive(Debug, Clone)]
pub struct Indicator<'a> {
    /// The pattern text.
    pub pattern: &'a str,
    /// `stix`, `sigma`, `snort`, …
    pub pattern_type: &'a str,
    /// The pattern language version.
    pub pattern_version: Option<&'a str>,
    /// From when the indicator is valid.
    pub valid_from: Option<Timestamp>,
    /// Until when (exclusive) the indicator is valid.
    pub valid_until: Option<Timestamp>,
}

/// The ends of a relationship.
#[derive(Debug, Clone, Copy)]
pub struct Relationship<'a> {
    /// `uses`, `indicates`, …
    pub relationship_type: &'a str,
    /// The source object id.
    pub source_ref: &'a str,
    /// The target object id.
    pub target_ref: &'a str,
}

/// What a sighting sighted, where, and how often.
#[derive(Debug, Clone)]
pub struct Sighting<'a> {
    /// The SDO sighted.
    pub sighting_of_ref: &'a str,
    /// The observed-data backing the sighting.
    pub observed_data_refs: Vec<&'a str>,
    /// The identities or locations where it was sighted.
    pub where_sighted_refs: Vec<&'a str>,
    /// How many times.
    pub count: Option<u64>,
}

/// An opinion about other objects.
#[derive(Debug, Clone)]
pub struct Opinion<'a> {
    /// strongly-disagree … strongly-agree.
    pub opinion: &'a str,
    /// Why.
    pub explanation: Option<&'a str>,
    /// What it is about.
    pub object_refs: Vec<&'a str>,
}

/// A note about other objects.
#[derive(Debug, Clone)]
pub struct Note<'a> {
    /// The summary.
    pub abstract_text: Option<&'a str>,
    /// The text.
    pub content: &'a str,
    /// What it is about.
    pub object_refs: Vec<&'a str>,
}

/// The observation window of observed-data.
#[derive(Debug, Clone)]
pub struct ObservedData<'a> {
    /// Start of the window.
    pub first_observed: Option<Timestamp>,
    /// End of the window.
    pub last_observed: Option<Timestamp>,
    /// How many times the SCOs were seen.
    pub number_observed: u64,
    /// The SCOs (and SROs) observed.
    pub object_refs: Vec<&'a str>,
}

/// The name and class of an identity.
#[derive(Debug, Clone)]
pub struct Identity<'a> {
    /// The name.
    pub name: &'a str,
    /// individual, group, organization, class, system, unspecified.
    pub identity_class: Option<&'a str>,
    /// Industry sectors.
    pub sectors: Vec<&'a str>,
}

/// A marking-definition's name and, for the predefined TLP objects, its level.
#[derive(Debug, Clone, Copy)]
pub struct MarkingDefinition<'a> {
    /// The name, when given.
    pub name: Option<&'a str>,
    /// The TLP level, when the id is one of the predefined TLP markings.
    pub tlp: Option<crate::markings::TlpLevel>,
}

/// The identity of an extension-definition.
#[derive(Debug, Clone)]
pub struct ExtensionDefinition<'a> {
    /// The name.
    pub name: &'a str,
    /// The version of the extension.
    pub version: &'a str,
    /// new-sdo, new-sco, new-sro, property-extension, toplevel-property-extension.
    pub extension_types: Vec<&'a str>,
}
