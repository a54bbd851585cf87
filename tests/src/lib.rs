//! Test support for the end-to-end tests: a scriptable loopback SMTP server that can play a
//! normal server and each misbehaviour, a Postfix on loopback, and a way to run the CLI.
//! Every server stops when its handle is dropped.

pub mod cli;
pub mod postfix;
pub mod server;
