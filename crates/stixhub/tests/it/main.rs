//! Integration tests of the `stixhub` binary.

mod cli;
