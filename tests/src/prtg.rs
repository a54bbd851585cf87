//! PRTG's Script v2 format: Paessler's schema (`tests/prtg-script-v2.schema.json`) and the
//! rule it cannot say.

use serde_json::Value;
use std::path::Path;

/// The Script v2 schema, compiled.
pub fn script_v2_schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("prtg-script-v2.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft7::new(&schema).expect("the schema is valid draft-07")
}

/// Validates Script v2 output against the schema, and that ids are unique (which JSON
/// Schema cannot say).
pub fn assert_script_v2(output: &str) {
    let value: Value = serde_json::from_str(output).unwrap();
    let errors: Vec<String> = script_v2_schema()
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?} in {output}");
    let mut ids: Vec<u64> = value["channels"]
        .as_array()
        .map(|c| c.iter().map(|c| c["id"].as_u64().unwrap()).collect())
        .unwrap_or_default();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "channel ids are unique: {output}");
}
