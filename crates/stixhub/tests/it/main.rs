//! Integration tests of the `stixhub` binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is a failed assertion"
)]

mod admin_matrix;
mod anonymity;
mod assets;
mod audit;
mod audit_keyed;
mod cli;
mod config_cli;
mod correlation;
mod demo;
mod drill;
mod email_cli;
mod email_serve;
mod events_nodes;
mod fault_disk;
mod fault_postgres;
mod federation;
mod federation_interop;
mod federation_ring;
mod feedback;
mod feedback_views;
mod incidents;
mod match_abuse;
mod match_live;
mod nats_fault;
mod operations;
mod overload;
mod ownership;
mod pattern_cli;
mod pattern_oracle;
mod read_gate;
mod revocation;
mod revocation_postgres;
mod risk;
mod sharing;
/// The SMTP sink of the server's tests, shared rather than copied.
#[path = "../../../server/tests/it/smtp_sink.rs"]
#[allow(dead_code, reason = "the server's tests use more of the sink than these do")]
mod smtp_sink;
mod taxii_admin_cli;
mod taxii_conformance;
mod taxii_crash;
mod taxii_interop;
mod taxii_postgres;
mod taxii_server;
mod tls_interop;
mod webhook_fault;
mod webhook_oracle;
mod webhook_receiver;
mod webhooks;
