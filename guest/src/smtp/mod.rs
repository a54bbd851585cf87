//! SMTP without I/O (RFC 5321, 3207, 4954, 5322): the wire pieces a check speaks, replies
//! in and commands out, the EHLO capabilities, the SASL mechanisms, the test email, and the
//! dialogue's state machine that puts them together. Knows nothing of verdicts or outputs:
//! the `check` room decides what the dialogue's outcome means.

pub mod capabilities;
pub mod command;
pub mod email;
pub mod reply;
pub mod sasl;
pub mod session;
