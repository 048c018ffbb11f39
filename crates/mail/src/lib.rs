//! The pure rules of e-mail delivery (issue 13, "E-mail for people without a SIEM"): what an address may be
//! (`address`), how a header value is written so that nothing from object data can add a header
//! (`header`), the RFC 5322 message (`message`), the SMTP wire rules a client needs (`smtp`: replies,
//! extensions, dot-stuffing) and the short human text of an event mail or a digest (`text`).
//!
//! Boundary: no I/O, no async. The server speaks SMTP with these rules; the hub composes mails with them.

pub mod address;
pub mod header;
pub mod message;
pub mod smtp;
pub mod text;

pub use address::{Address, AddressError};
pub use message::Message;
pub use smtp::{Extensions, Reply, ReplyClass, SendError};
