//! `docs/validation.md` lists exactly the rule codes the validator emits (`stix::validate::RULE_CODES`).

use std::path::Path;

use stix::validate::RULE_CODES;

const START: &str = "<!-- rule-codes:start -->\n";
const END: &str = "<!-- rule-codes:end -->";

#[test]
fn the_rule_code_table_matches_the_validator() {
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/validation.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let (before, rest) = doc.split_once(START).expect("start marker");
    let (current, after) = rest.split_once(END).expect("end marker");
    let mut table = String::from("| code | rule |\n|---|---|\n");
    for (code, meaning) in RULE_CODES {
        table.push_str(&format!("| `{code}` | {} |\n", meaning.replace('|', "\\|")));
    }
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&doc_path, format!("{before}{START}{table}{END}{after}")).unwrap();
        return;
    }
    assert_eq!(
        current, table,
        "docs/validation.md is stale: run with UPDATE_EXPECT=1"
    );
}
