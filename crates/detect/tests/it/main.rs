//! Integration tests of the exports: corpus indicators through every format, each output checked against its
//! grammar (Zeek intel, RPZ zone, CSV) and, with `STIXHUB_ORACLE_PYTHON`, every rule against `idstools` and
//! `suricata-check`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is a failed assertion"
)]

mod grammar;
mod inputs;
mod outputs;
