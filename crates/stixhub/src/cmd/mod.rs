//! One module per command.

mod input;
pub(crate) mod pattern;
mod scan;
pub(crate) mod validate;
