//! The settings' rules, shared by the component and the host: the host rejects bad settings
//! before anything runs (exit 3), and the component rejects them again, since any host may
//! call it. One place for each rule, so the two cannot drift.
//!
//! [`names`] spells the settings as the contract does and carries the error; [`target`]
//! decides where a check goes (host, port, IP version); [`rules`] holds one rule per other
//! setting; [`domain`] those of a mail domain's check; [`view`] lends either side's
//! `settings` record to [`settings`], which runs them all.

mod dane;
mod domain;
mod names;
mod rules;
mod target;
mod view;

pub use dane::DaneView;
pub use domain::domain;
pub use names::{Setting, SettingError};
pub use rules::*;
pub use target::{Target, allows, canonical_host, describe, host, ip_version, port};
pub use view::{DomainView, MailboxView, SettingsView, Valid, reachable_thresholds, settings};

#[cfg(test)]
mod tests;
