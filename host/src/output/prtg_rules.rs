//! What PRTG accepts from any custom sensor, in both of its formats ([`super::prtg`] and
//! [`super::prtg_v2`]): how long a message may be and how many channels a sensor may have.

use super::escape::{printable, truncate};

/// PRTG's limit on the sensor message, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// PRTG's limit on the channels of one sensor.
pub const MAX_CHANNELS: usize = 50;

/// A message as PRTG shows it: printable, at most [`MAX_TEXT_CHARS`] characters.
pub fn text(message: &str) -> String {
    truncate(&printable(message), MAX_TEXT_CHARS).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_printable_and_cut_to_prtg_s_length() {
        assert_eq!(text(&"é".repeat(3000)).chars().count(), MAX_TEXT_CHARS);
        assert!(!text("a\u{1b}[31mb\r\nc").chars().any(char::is_control));
    }
}
