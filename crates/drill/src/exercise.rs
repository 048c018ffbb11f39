//! The EXERCISE statement marking that everything a drill creates carries ("EXERCISE — NOT REAL"), so drill
//! data can be told apart, listed and purged. Its id is fixed (a v5 UUID of the statement under the STIX
//! namespace would do as well; a fixed literal is simpler to grep for).

use serde_json::{Value, json};

/// The marking-definition's id.
pub const EXERCISE_MARKING_ID: &str = "marking-definition--e7e6c15e-0000-4d21-9e11-0000000d7111";
/// The statement it makes.
pub const EXERCISE_STATEMENT: &str = "EXERCISE \u{2014} NOT REAL";
/// Its fixed `created`.
const EXERCISE_CREATED: &str = "2026-01-01T00:00:00.000Z";

/// The marking-definition object.
pub fn exercise_marking_definition() -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": EXERCISE_MARKING_ID,
        "created": EXERCISE_CREATED,
        "name": "EXERCISE",
        "definition_type": "statement",
        "definition": { "statement": EXERCISE_STATEMENT },
    })
}

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
