//! Integration tests of the hub over real stores.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on broken set-up"
)]

mod events_channels;
mod events_prop;
mod incidents_timers;
mod mail_prop;
mod match_prop;
mod read_paths_prop;
mod victims_prop;
mod write_paths_prop;
