//! Server tests through `router()` (`tower::ServiceExt::oneshot`) and over real sockets on 127.0.0.1:0.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is a failed assertion"
)]

mod access;
mod admin;
mod admin_sharing;
mod email;
mod events;
mod exports;
mod negotiation;
mod objects;
mod observability;
mod paging;
mod smtp;
mod smtp_sink;
mod socket;
mod support;
mod tls;
mod web;
