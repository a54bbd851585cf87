//! The contract's types (`settings`, `check-result` and all they hold), as generated in
//! [`crate::bindings`]: the ground every room builds on.

pub use crate::bindings::smtp_sensor::probe::types::*;
