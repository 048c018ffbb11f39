//! The EXERCISE statement marking that everything a drill creates carries ("EXERCISE — NOT REAL"), so drill
//! data can be told apart, listed and purged. It is defined once, with a fixed id, in `stix::markings` (shared
//! with exercise incident cases, issue 16, and kept by anonymity as a public definition; docs/incidents.md).

use serde_json::Value;
#[cfg(test)]
use serde_json::json;

pub use stix::markings::{EXERCISE_MARKING_ID, EXERCISE_STATEMENT, exercise_marking_definition};

/// True when a STIX object carries the EXERCISE marking (object or granular).
pub fn is_exercise(object: &Value) -> bool {
    let object_level = object
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .is_some_and(|refs| refs.iter().any(|r| r.as_str() == Some(EXERCISE_MARKING_ID)));
    let granular = object
        .get("granular_markings")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter()
                .any(|g| g.get("marking_ref").and_then(Value::as_str) == Some(EXERCISE_MARKING_ID))
        });
    object_level || granular || object.get("id").and_then(Value::as_str) == Some(EXERCISE_MARKING_ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_definition_is_valid_stix() {
        let definition = exercise_marking_definition();
        let mut problems = Vec::new();
        stix::validate::validate_object(&definition, "$", &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(is_exercise(&definition));
        assert!(!is_exercise(
            &json!({"object_marking_refs": ["marking-definition--x"]})
        ));
        assert!(is_exercise(
            &json!({"granular_markings": [{"marking_ref": EXERCISE_MARKING_ID}]})
        ));
    }
}
