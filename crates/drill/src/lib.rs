//! Drill mode (issue 16, docs/drills.md), the pure part: the scenario file (`scenario`, `check`: TOML read
//! with line-level diagnostics, every cross-reference checked before anything is played), what a drill posts
//! (`inject`, `exercise`: everything marked EXERCISE), reading event streams (`sse`), who should receive what
//! (`audience`), the after-action report (`report`: stages and figures; `render`: JSON and CSV; `html`: the
//! page with SVG charts) and the synthetic load scenario (`generate`).
//!
//! Boundary: no I/O, no clock, no randomness; `stixhub drill` does the HTTP, the timing and the files.

mod audience;
mod check;
pub mod duration;
pub mod exercise;
pub mod generate;
pub mod html;
pub mod inject;
mod raw;
pub mod render;
pub mod report;
pub mod scenario;
pub mod sse;

pub use audience::{expected_recipients, members_below};
pub use check::{MAX_FILE_BYTES, MAX_INJECTS, OBSERVABLE_TYPES, SEVERITIES, SYSTEMS, TLP_LEVELS};
pub use scenario::{Diagnostic, Scenario, parse};

#[cfg(test)]
mod tests;
