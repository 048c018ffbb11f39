//! Integration tests of `store-postgres` against a real PostgreSQL: the store conformance suite, several
//! stores ("nodes") on one database, and migrations.
//!
//! They run when `STIXHUB_TEST_DATABASE_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`); without
//! it each test prints a skip line and passes, so the default `cargo test` needs no service. Each test works
//! in its own fresh schema, dropped at the end, so tests run in parallel and leave nothing behind.

mod conformance;
mod harness;
mod migrate;
mod multinode;
