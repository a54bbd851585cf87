//! The prober's log: one line per probe and per event on stderr, as logfmt (the Prometheus
//! tools' default) or JSON (`--log.format`). Values from requests and servers are escaped
//! so that a line is always one line.

use serde_json::{Map, Value};
use std::io::Write as _;
use std::time::SystemTime;

/// How log lines are written.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `key=value` pairs, values quoted where needed.
    #[default]
    Logfmt,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// One line: the time, the level, the message, then `fields` in order.
    pub fn line(self, level: &str, msg: &str, fields: &[(&str, String)]) -> String {
        let time = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        match self {
            Self::Logfmt => {
                let mut out = format!("time={time} level={level} msg={}", logfmt_value(msg));
                for (key, value) in fields {
                    out.push(' ');
                    out.push_str(key);
                    out.push('=');
                    out.push_str(&logfmt_value(value));
                }
                out
            }
            Self::Json => {
                let mut object = Map::new();
                object.insert("time".into(), Value::String(time));
                object.insert("level".into(), Value::String(level.into()));
                object.insert("msg".into(), Value::String(msg.into()));
                for (key, value) in fields {
                    object.insert((*key).into(), Value::String(value.clone()));
                }
                Value::Object(object).to_string()
            }
        }
    }

    /// Writes one line to stderr.
    pub fn write(self, level: &str, msg: &str, fields: &[(&str, String)]) {
        let mut line = self.line(level, msg, fields);
        line.push('\n');
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// A logfmt value: bare when it is a plain word, else quoted with `\`, `"` and control
/// characters escaped.
fn logfmt_value(value: &str) -> String {
    let bare = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '=' && c != '\\');
    if bare {
        return value.to_string();
    }
    let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{}\"", crate::output::escape::printable(&quoted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logfmt_quotes_what_needs_it_and_stays_on_one_line() {
        let line = LogFormat::Logfmt.line(
            "info",
            "probe",
            &[
                ("module", "starttls".into()),
                ("message", "a \"quoted\"\r\nnext=line".into()),
            ],
        );
        assert!(line.starts_with("time="), "{line}");
        assert!(
            line.ends_with(
                " level=info msg=probe module=starttls message=\"a \\\"quoted\\\"\\r\\nnext=line\""
            ),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn json_lines_are_objects() {
        let line = LogFormat::Json.line("warn", "reload failed", &[("error", "x\ny".into())]);
        let value: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["msg"], "reload failed");
        assert_eq!(value["error"], "x\ny");
        assert!(!line.contains('\n'));
    }
}
