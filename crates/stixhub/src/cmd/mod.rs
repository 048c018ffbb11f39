//! One module per command.

pub(crate) mod access;
pub(crate) mod admin;
pub(crate) mod asset;
pub(crate) mod audit;
pub(crate) mod audit_key;
pub(crate) mod backup;
mod demo;
pub(crate) mod drill;
pub(crate) mod email;
pub(crate) mod export;
pub(crate) mod feed;
pub(crate) mod incident;
mod input;
pub(crate) mod match_cmd;
pub(crate) mod pattern;
pub(crate) mod redact;
pub(crate) mod review;
mod scan;
pub(crate) mod serve;
pub(crate) mod sharing;
pub(crate) mod store_args;
pub(crate) mod subscription;
pub(crate) mod supply;
pub(crate) mod transfer;
pub(crate) mod validate;
pub(crate) mod webhook;
