//! Documents: a bundle, a single object, or a JSON array of objects, split into objects without building the
//! whole tree.
//!
//! Invariant: splitting borrows each object's bytes from the input (`&RawValue`), so a 40 MB bundle costs its
//! own bytes plus one object's parsed tree at a time, never a tree of the whole document. The paths given to
//! diagnostics are those of the original document (`$.objects[3]`, `$[3]`, `$`).

use std::collections::BTreeMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, path_index};
use crate::object::StixObject;
use crate::validate;

/// The outer form of a STIX JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentShape {
    /// `{"type": "bundle", "objects": [...]}`.
    Bundle,
    /// One object.
    Object,
    /// A JSON array of objects.
    Array,
}

/// A document split into its objects, each still raw.
#[derive(Debug)]
pub struct Document<'a> {
    /// Bundle, object or array.
    pub shape: DocumentShape,
    /// The objects in document order, as their exact bytes.
    pub objects: Vec<&'a RawValue>,
    /// Problems of the envelope itself (bundle properties, an `objects` that is not a list, …).
    pub envelope_diagnostics: Vec<Diagnostic>,
}

impl<'a> Document<'a> {
    /// Splits `text` into objects. Fails only when `text` is not JSON (or not an object or array).
    pub fn split(text: &'a str) -> Result<Document<'a>, serde_json::Error> {
        match text.trim_start().as_bytes().first() {
            Some(b'[') => {
                let objects: Vec<&RawValue> = serde_json::from_str(text)?;
                Ok(Document {
                    shape: DocumentShape::Array,
                    objects,
                    envelope_diagnostics: Vec::new(),
                })
            }
            _ => {
                // One pass over the text in the common case: a bundle whose `objects` is a list. Anything
                // else (a single object, or an `objects` that is not a list) takes the general path below.
                if let Ok(TopLevel { members, objects }) = serde_json::from_str::<TopLevel<'a>>(text)
                    && members.get("type").map(|t| t.get()) == Some("\"bundle\"")
                {
                    return Document::bundle_from_parts(members, objects.unwrap_or_default(), Vec::new());
                }
                let members: BTreeMap<String, &RawValue> = serde_json::from_str(text)?;
                if members.get("type").map(|t| t.get()) == Some("\"bundle\"") {
                    Document::split_bundle(members)
                } else {
                    let whole: &RawValue = serde_json::from_str(text)?;
                    Ok(Document {
                        shape: DocumentShape::Object,
                        objects: vec![whole],
                        envelope_diagnostics: Vec::new(),
                    })
                }
            }
        }
    }

    fn split_bundle(mut members: BTreeMap<String, &'a RawValue>) -> Result<Document<'a>, serde_json::Error> {
        let mut envelope_diagnostics = Vec::new();
        let objects = match members.remove("objects") {
            None => Vec::new(),
            Some(raw) => match serde_json::from_str::<Vec<&RawValue>>(raw.get()) {
                Ok(objects) => objects,
                Err(_) => {
                    let message = "a bundle's objects must be a list of STIX objects";
                    envelope_diagnostics.push(Diagnostic::new("property-type", "$.objects", message));
                    Vec::new()
                }
            },
        };
        Document::bundle_from_parts(members, objects, envelope_diagnostics)
    }

    fn bundle_from_parts(
        members: BTreeMap<String, &'a RawValue>,
        objects: Vec<&'a RawValue>,
        mut envelope_diagnostics: Vec<Diagnostic>,
    ) -> Result<Document<'a>, serde_json::Error> {
        let mut header = Map::new();
        for (key, raw) in members {
            header.insert(key, serde_json::from_str(raw.get())?);
        }
        validate::validate_bundle_header(&header, "$", &mut envelope_diagnostics);
        Ok(Document {
            shape: DocumentShape::Bundle,
            objects,
            envelope_diagnostics,
        })
    }

    /// The JSON path of the object at `object_idx`.
    pub fn object_path(&self, object_idx: usize) -> String {
        match self.shape {
            DocumentShape::Bundle => path_index("$.objects", object_idx),
            DocumentShape::Array => path_index("$", object_idx),
            DocumentShape::Object => "$".to_owned(),
        }
    }

    /// Validates every object, one parsed tree at a time, and returns all diagnostics, envelope first.
    pub fn validate(&self) -> Vec<Diagnostic> {
        let mut diagnostics = self.envelope_diagnostics.clone();
        for (object_idx, raw) in self.objects.iter().enumerate() {
            match serde_json::from_str::<Value>(raw.get()) {
                Ok(value) => {
                    validate::validate_object(&value, &self.object_path(object_idx), &mut diagnostics)
                }
                Err(err) => diagnostics.push(Diagnostic::new(
                    "json-syntax",
                    self.object_path(object_idx),
                    err.to_string(),
                )),
            }
        }
        diagnostics
    }

    /// Parses and validates every object. Valid objects come back as `StixObject`s in document order; each
    /// invalid one contributes its diagnostics, with paths from the document root.
    pub fn into_objects(self) -> (Vec<StixObject>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut objects = Vec::with_capacity(self.objects.len());
        for (object_idx, raw) in self.objects.iter().enumerate() {
            match StixObject::from_raw((*raw).to_owned()) {
                Ok(object) => objects.push(object),
                Err(found) => {
                    let object_path = self.object_path(object_idx);
                    diagnostics.extend(found.into_iter().map(|d| Diagnostic {
                        path: format!("{object_path}{}", &d.path[1..]),
                        ..d
                    }));
                }
            }
        }
        let mut all = self.envelope_diagnostics;
        all.extend(diagnostics);
        (objects, all)
    }
}

/// A JSON object read in one pass: `objects` as a list of raw values, every other member raw. Fails (and the
/// caller falls back) when `objects` is present but not a list.
struct TopLevel<'a> {
    members: BTreeMap<String, &'a RawValue>,
    objects: Option<Vec<&'a RawValue>>,
}

impl<'de> serde::Deserialize<'de> for TopLevel<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(TopLevelVisitor)
    }
}

struct TopLevelVisitor;

impl<'de> serde::de::Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<TopLevel<'de>, A::Error> {
        let mut members = BTreeMap::new();
        let mut objects = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "objects" {
                objects = Some(map.next_value::<Vec<&'de RawValue>>()?);
            } else {
                members.insert(key, map.next_value::<&'de RawValue>()?);
            }
        }
        Ok(TopLevel { members, objects })
    }
}
