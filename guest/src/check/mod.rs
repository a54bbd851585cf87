//! The check's decisions, around the dialogue: before it, the plan from the settings (the
//! transport-security mode, which addresses to try and when, what the server must say);
//! after it, the verdict against the thresholds and the report with its message and
//! channels. Pure, with time and randomness passed in; the component only moves bytes.

pub mod expect;
pub mod eyeballs;
pub mod mode;
pub mod plan;
pub mod report;
pub mod verdict;
