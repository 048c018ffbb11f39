//! Integration tests of the matcher (one test binary, as the workspace convention asks).

// Helpers outside `#[test]` functions unwrap too: a panic here is a failed test, never a crash on input.
#![allow(clippy::unwrap_used)]

#[path = "../../benches/support/workload.rs"]
mod workload;

mod differential;
mod stream;
