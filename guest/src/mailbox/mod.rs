//! The mailbox side of a round trip, sans-IO like the SMTP session:
//!
//! - [`pop3`] and [`imap`] parse what a mailbox server sends, byte by byte, with bounded
//!   memory;
//! - [`imap_dialogue`] and [`pop3_dialogue`] find the test message by its token, read only
//!   headers, and delete this run's test message and those of runs that have ended, never
//!   another run's under way, never other mail;
//! - [`imap_folders`] finds the spam folder in IMAP's folder list;
//! - [`lines`] holds what both parsers share: the line reader and the error;
//! - [`dialogue`] is what the component needs of either dialogue;
//! - [`token`] says which mail is a test message, and whose;
//! - [`fields`] reads header fields (the Message-ID, the Authentication-Results);
//! - [`auth_results`] reads the receiver's SPF, DKIM and DMARC verdicts (RFC 8601);
//! - [`polling`] says when to look again while the message has not arrived;
//! - [`steps`] names the steps a round trip times and how a dialogue ends;
//! - [`trip`] keeps a round trip's account and decides what it means in the contract's
//!   terms (found, latency, failure or warning).
//!
//! The component (`component::round_trip`) only moves their bytes and time.

pub mod auth_results;
pub mod dialogue;
pub mod fields;
pub mod imap;
pub mod imap_dialogue;
pub mod imap_folders;
pub mod lines;
pub mod polling;
pub mod pop3;
pub mod pop3_dialogue;
pub mod steps;
pub mod token;
pub mod trip;
