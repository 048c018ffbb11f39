//! Property: for any tree, printing and parsing gives the tree back, and printing is a fixed point.

use proptest::prelude::*;
use stix_pattern::ast::Pattern;

use crate::strategies::observation_expr;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn print_then_parse_gives_the_tree_back(expression in observation_expr()) {
        let pattern = Pattern { expression };
        let printed = pattern.to_string();
        let reparsed = stix_pattern::parse(&printed);
        prop_assert_eq!(reparsed.as_ref(), Ok(&pattern), "printed: {}", printed);
        prop_assert_eq!(reparsed.map(|p| p.to_string()), Ok(printed));
    }
}
