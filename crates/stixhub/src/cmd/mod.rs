//! One module per command.

pub(crate) mod admin;
mod input;
pub(crate) mod pattern;
pub(crate) mod redact;
pub(crate) mod serve;
mod scan;
mod store_args;
pub(crate) mod validate;
