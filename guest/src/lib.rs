//! The smtp-sensor component: an SMTP server health check that runs sandboxed.
//!
//! Built for `wasm32-wasip2`, this crate is the component: `component` drives the check
//! over WASI sockets. Built natively, it is the I/O-free core (reply parser, capabilities,
//! session state machine, settings validation, limits), unit-tested on its own and shared
//! with the host so both agree on every limit and default.

// Built natively, the crate is the core the host links: what only the component's I/O layer
// uses (plans, dialogues' drivers) is unused there. The wasm build still flags dead code.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

// The rooms, private: the host, the tests and the fuzz targets use the face below, so a
// file can move without touching them. Ground floor first, then each room above the ones
// it uses (settings; smtp and tls; mailbox; check; the component over all). `limits`,
// `settings` and `wit` are namespaces of the face: the facts, the rules and the contract's
// types that both sides share. `domain` (a mail domain's MTA-STS and TLS-RPT records, its
// policy and the policy's HTTP fetch) is public until the domain check uses it.
mod bindings;
mod check;
mod dane;
mod dates;
pub mod domain;
mod journal;
pub mod limits;
mod mailbox;
mod secret;
pub mod settings;
mod smtp;
mod sort;
#[cfg(test)]
mod testing;
mod tls;
pub mod wit;

// The face.
pub use check::mode::Mode;
pub use check::report::server_label;
pub use check::verdict::Thresholds;
pub use dates::format_utc;
pub use journal::Journal;
pub use mailbox::auth_results;
pub use mailbox::dialogue::Dialogue;
pub use mailbox::imap::ImapParser;
pub use mailbox::imap_dialogue::{ImapDialogue, ImapPlan};
pub use mailbox::pop3::Pop3Parser;
pub use mailbox::pop3_dialogue::{Pop3Dialogue, Pop3Memory, Pop3Plan, READ_AFTER_FOUND};
pub use mailbox::steps::{MailboxOutcome, wire_forms as mailbox_wire_forms};
pub use mailbox::token::{self, CLOCK_MARGIN_SECONDS, Tokens};
pub use secret::{Secret, redact_all};
pub use smtp::capabilities;
pub use smtp::reply::{ReplyParser, make_reply, reply_words};
pub use smtp::sasl::{self, Exchange};
pub use smtp::session::{Agenda, AuthPlan, MailPlan, Session, StartTls, Transaction};
pub use tls::anchors;
// DANE's matching, for its fuzz target.
pub use tls::dane as tlsa_matching;

#[cfg(target_arch = "wasm32")]
mod component;
