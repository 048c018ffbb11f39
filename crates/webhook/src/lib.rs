//! The pure rules of push delivery (issue 13): Standard Webhooks 1.0 signatures (`sign`), the retry schedule
//! and `Retry-After` (`schedule`), and the SSRF guard that decides which webhook targets may be contacted
//! (`target`). No I/O, no async: the hub drives delivery, the server does the HTTP.

pub mod outcome;
pub mod schedule;
pub mod sign;
pub mod target;

pub use crate::outcome::{Answer, Outcome};
pub use crate::schedule::{RetrySchedule, parse_duration, parse_retry_after};
pub use crate::sign::{Secret, SecretError, VerifyError, sign, verify};
pub use crate::target::{AddressClass, Target, TargetError, classify};
