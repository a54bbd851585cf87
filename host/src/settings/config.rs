//! Named sensors from a TOML file: one table each, `[sensors.NAME]`, whose keys are the
//! `check` flags' long names with `_` for `-` (see [`SensorOptions`]). Unknown keys, wrong
//! types and bad values are refused naming the file, the line and the key; a password
//! written into the file is refused outright.
//!
//! The host's DNS (`dns_server`, `dns_trust_anchor`) is the process's, one resolver for
//! every sensor, as the flags of `check` and `serve` give it: its keys stand at the top of
//! the file, before the first table ([`ConfigFile::dns`]); flags given override them.
//!
//! ```toml
//! dns_server = "192.0.2.53"
//!
//! [sensors.mx1]
//! host = "mx1.example.com"
//! port = 25
//! security = "starttls"
//! warning = "500ms"
//! ```

use super::file_values::{dns_servers, one_or_many};
use crate::engine::dns::DnsConfig;
use crate::settings::into_request::StoreTarget;
use crate::settings::invalid::Invalid;
use crate::settings::nearest::nearest;
use crate::settings::options::SensorOptions;
use crate::wit::Settings;
use indexmap::IndexMap;
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A configuration file's sensors, in the file's order.
#[derive(Debug)]
pub struct ConfigFile {
    path: PathBuf,
    source: String,
    dns: DnsConfig,
    sensors: IndexMap<String, SensorOptions>,
    /// Where each sensor's values stand, for errors found after reading.
    spans: IndexMap<String, IndexMap<String, Range<usize>>>,
}

/// What is wrong with a configuration file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The line (from 1), when the problem has one.
    pub line: Option<usize>,
    /// The key, as a dotted path (`sensors.mx1.port`), when the problem has one.
    pub key: Option<String>,
    /// What is wrong and how to fix it.
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ", {key}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(default, rename = "dns_server", deserialize_with = "dns_servers")]
    dns_servers: Vec<SocketAddr>,
    #[serde(default, rename = "dns_trust_anchor", deserialize_with = "one_or_many")]
    dns_trust_anchors: Vec<PathBuf>,
    #[serde(default)]
    sensors: IndexMap<String, SensorOptions>,
}

#[derive(Deserialize)]
struct Spans {
    #[serde(default)]
    sensors: IndexMap<String, IndexMap<String, toml::Spanned<toml::Value>>>,
}

impl ConfigFile {
    /// Reads and checks the file.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let source = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_path_buf(),
            line: None,
            key: None,
            problem: format!("cannot read it ({e}); give a readable TOML file"),
        })?;
        Self::parse(path, source)
    }

    /// Checks `source`, the text of the file at `path`.
    pub fn parse(path: &Path, source: String) -> Result<Self, ConfigError> {
        let document: Document = toml::from_str(&source).map_err(|e| {
            let (line, key) = match e.span() {
                Some(span) => {
                    let line = line_of(&source, span.start);
                    (Some(line), key_at(&source, line))
                }
                None => (None, None),
            };
            ConfigError {
                path: path.to_path_buf(),
                line,
                key,
                problem: suggest(e.message().trim()),
            }
        })?;
        if document.sensors.is_empty() {
            return Err(ConfigError {
                path: path.to_path_buf(),
                line: None,
                key: None,
                problem: "it has no sensor; add a table such as [sensors.mx1] with host = \
                          \"mx1.example.com\""
                    .into(),
            });
        }
        let spans: Spans = toml::from_str(&source).expect("a file that parsed parses again");
        let spans = spans
            .sensors
            .into_iter()
            .map(|(name, keys)| {
                let keys = keys.into_iter().map(|(k, v)| (k, v.span())).collect();
                (name, keys)
            })
            .collect();
        Ok(Self {
            path: path.to_path_buf(),
            source,
            dns: DnsConfig {
                servers: document.dns_servers,
                trust_anchors: document.dns_trust_anchors,
            },
            sensors: document.sensors,
            spans,
        })
    }

    /// The host's DNS the file's top-level keys give.
    pub fn dns(&self) -> &DnsConfig {
        &self.dns
    }

    /// The sensors' names, in the file's order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.sensors.keys().map(String::as_str)
    }

    /// The sensor called `name`.
    pub fn sensor(&self, name: &str) -> Result<&SensorOptions, ConfigError> {
        self.sensors.get(name).ok_or_else(|| ConfigError {
            path: self.path.clone(),
            line: None,
            key: None,
            problem: format!(
                "it has no sensor {name:?}; it has {}",
                self.names().collect::<Vec<_>>().join(", ")
            ),
        })
    }

    /// Sensor `name`'s options with `flags` over them, validated into settings (with `env`
    /// for what comes from the environment). A bad value is reported at its line when it
    /// came from the file, else named after its flag.
    pub fn settings(
        &self,
        name: &str,
        flags: SensorOptions,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<(Settings, Option<StoreTarget>), String> {
        let from_file = self.sensor(name).map_err(|e| e.to_string())?.clone();
        let (options, keys_from_file) = flags.over(from_file);
        options.into_settings(env).map_err(|invalid| {
            if keys_from_file.contains(&invalid.key().as_str()) {
                self.locate(name, &invalid).to_string()
            } else {
                format!("sensor {name}: {invalid}")
            }
        })
    }

    /// An option of sensor `name` that proved invalid, placed at its line in the file.
    pub fn locate(&self, name: &str, invalid: &Invalid) -> ConfigError {
        let key = invalid.key();
        let line = self
            .spans
            .get(name)
            .and_then(|keys| keys.get(&key))
            .map(|span| line_of(&self.source, span.start));
        ConfigError {
            path: self.path.clone(),
            line,
            key: Some(format!("sensors.{name}.{key}")),
            problem: invalid.problem.clone(),
        }
    }
}

/// serde's "unknown field `x`, expected one of `a`, `b`, ..." (every key of a sensor: 47)
/// as the command line has it: the nearest key instead, when one is near (`securty`:
/// `security`; a flag's own spelling, `tls-ca`: `tls_ca`). Other problems pass as they are.
fn suggest(problem: &str) -> String {
    // The process's keys, written in a sensor's table (after its header, where TOML puts
    // every key that follows).
    for key in ["dns_server", "dns_trust_anchor"] {
        if problem.starts_with(&format!("unknown field `{key}`")) {
            return format!(
                "{key} is the process's DNS, the same for every sensor: write it at the top of \
                 the file, before the first [sensors.NAME] table"
            );
        }
    }
    let nearest = problem
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once("`, expected "))
        .and_then(|(field, expected)| {
            // The expected names are every other piece between backticks; a key that holds
            // a password itself is refused in a file, so it is never the one suggested (a
            // `password =` line is pointed at the file that holds it instead).
            let names: Vec<&str> = expected
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|name| !name.ends_with("password") && !name.ends_with("password_env"))
                .collect();
            Some((field, nearest_name(field, &names)?))
        });
    match nearest {
        Some((field, name)) => format!("unknown field `{field}`; did you mean `{name}`?"),
        None => problem.to_string(),
    }
}

/// The key nearest `field`, when it is near ([`nearest`]), after `-` for `_`.
fn nearest_name<'a>(field: &str, names: &[&'a str]) -> Option<&'a str> {
    nearest(&field.replace('-', "_"), names)
}

/// The line (from 1) of a byte offset.
fn line_of(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The dotted key at a line: the nearest table header above it, and the line's own key.
fn key_at(source: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let text = lines.get(line.checked_sub(1)?)?.trim();
    let own = text
        .split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"').to_string())
        .filter(|key| !key.is_empty() && !text.starts_with('['));
    let table = lines[..line]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('[') && !l.starts_with("[["))
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string());
    match (table, own) {
        (Some(table), Some(own)) => Some(format!("{table}.{own}")),
        (None, Some(own)) => Some(own),
        (Some(table), None) => Some(table),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        ConfigFile::parse(Path::new("sensors.toml"), text.to_string())
    }

    #[test]
    fn sensors_in_file_order() {
        let file = parse(
            "[sensors.zeta]\nhost = \"a.example\"\n\n[sensors.alpha]\nhost = \"b.example\"\n\
             port = 587\nsecurity = \"starttls\"\nwarning = \"500ms\"\n\
             mail_from = \"p@example.com\"\nmail_to = [\"a@example.com\", \"b@example.com\"]\n",
        )
        .unwrap();
        assert_eq!(file.names().collect::<Vec<_>>(), ["zeta", "alpha"]);
        let alpha = file.sensor("alpha").unwrap();
        assert_eq!(alpha.port, Some(587));
        assert_eq!(alpha.warning, Some(std::time::Duration::from_millis(500)));
        assert_eq!(alpha.mail_to.len(), 2);
        assert!(
            file.sensor("beta")
                .unwrap_err()
                .problem
                .contains("zeta, alpha")
        );
    }

    #[test]
    fn unknown_keys_name_file_line_and_key() {
        let e = parse("[sensors.mx1]\nhost = \"a.example\"\nhots = \"typo\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.key.as_deref(), Some("sensors.mx1.hots"));
        assert!(e.problem.contains("unknown field `hots`"), "{}", e.problem);
        assert!(
            e.to_string()
                .starts_with("sensors.toml, line 3, sensors.mx1.hots: ")
        );
    }

    #[test]
    fn an_unknown_key_suggests_the_nearest_as_the_command_line_does() {
        let problem = |text: &str| parse(text).unwrap_err().problem;
        let e = problem("[sensors.mx1]\nsecurty = \"none\"\n");
        assert_eq!(e, "unknown field `securty`; did you mean `security`?");
        // A flag's own spelling, with dashes: its key.
        let e = problem("[sensors.mx1]\ntls-ca = \"ca.pem\"\n");
        assert_eq!(e, "unknown field `tls-ca`; did you mean `tls_ca`?");
        // A password is never suggested into the file: its file is.
        let e = suggest(
            "unknown field `password`, expected one of `auth_password`, `auth_password_env`, \
             `auth_password_file`, `mailbox_password_file`",
        );
        assert!(e.ends_with("did you mean `auth_password_file`?"), "{e}");
        let e = problem("[sensors.mx1]\nexpect_auht = \"dkim\"\n");
        assert_eq!(
            e,
            "unknown field `expect_auht`; did you mean `expect_auth`?"
        );
        let e = problem("[sensors.mx1]\nmailbox-folders = \"Junk\"\n");
        assert_eq!(
            e,
            "unknown field `mailbox-folders`; did you mean `mailbox_folders`?"
        );
        let e = problem("[sensor.mx1]\nhost = \"a.example\"\n");
        assert!(e.ends_with("did you mean `sensors`?"), "{e}");
        // Nothing near: every key is listed, as before.
        let e = problem("[sensors.mx1]\nzzzzzzzz = 1\n");
        assert!(e.contains("expected one of `host`"), "{e}");
    }

    #[test]
    fn wrong_types_and_bad_values_name_the_line() {
        let e = parse("[sensors.mx1]\nhost = \"a.example\"\nport = \"twenty-five\"\n").unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(3), Some("sensors.mx1.port"))
        );
        let e = parse("[sensors.mx1]\nsecurity = \"ssl\"\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.problem.contains("starttls"), "{}", e.problem);
        let e = parse("[sensors.mx1]\n\nwarning = \"soon\"\n").unwrap_err();
        assert!(e.problem.contains("500ms"), "{}", e.problem);
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn the_timeout_takes_what_the_thresholds_take_in_whole_seconds() {
        for (value, seconds) in [("60", 60), ("\"90s\"", 90), ("\"1m\"", 60), ("\"5\"", 5)] {
            let file = parse(&format!("[sensors.mx1]\ntimeout = {value}\n")).unwrap();
            assert_eq!(
                file.sensor("mx1").unwrap().timeout,
                Some(seconds),
                "{value}"
            );
        }
        let e = parse("[sensors.mx1]\nhost = \"a.example\"\ntimeout = \"1500ms\"\n").unwrap_err();
        assert_eq!(
            (e.line, e.key.as_deref()),
            (Some(3), Some("sensors.mx1.timeout"))
        );
        assert!(
            e.problem.contains("whole number of seconds"),
            "{}",
            e.problem
        );
        assert!(e.problem.contains("2s"), "{}", e.problem);
    }

    #[test]
    fn every_list_key_takes_a_single_string() {
        let file = parse(
            "[sensors.mx1]\ntls_ca = \"ca.pem\"\nmail_to = \"a@example.com\"\n\
             expect_extensions = \"STARTTLS\"\ntargets = \"127.0.0.1:*\"\n",
        )
        .unwrap();
        let mx1 = file.sensor("mx1").unwrap();
        assert_eq!(mx1.tls_ca, [PathBuf::from("ca.pem")]);
        assert_eq!(mx1.mail_to, ["a@example.com"]);
        assert_eq!(mx1.expect_extensions, ["STARTTLS"]);
        assert_eq!(mx1.targets.len(), 1);
        let file = parse("[sensors.mx1]\ntls_ca = [\"a.pem\", \"b.pem\"]\n").unwrap();
        assert_eq!(file.sensor("mx1").unwrap().tls_ca.len(), 2);
        // A single value's own error stands, and a wrong type says what is taken.
        let e = parse("[sensors.mx1]\n\ntargets = \"127.0.0.1\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.problem.contains("has no port"), "{}", e.problem);
        let e = parse("[sensors.mx1]\ntls_ca = 5\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.problem.contains("a string or a list"), "{}", e.problem);
    }

    #[test]
    fn an_inline_password_is_refused() {
        let e = parse(
            "[sensors.mx1]\nhost = \"a.example\"\nauth_user = \"probe\"\n\
             auth_password = \"hunter2\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(4));
        assert_eq!(e.key.as_deref(), Some("sensors.mx1.auth_password"));
        assert!(e.problem.contains("auth_password_file"), "{}", e.problem);
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn values_found_bad_later_are_placed_at_their_line() {
        let file = parse("[sensors.mx1]\nhost = \"a.example\"\n\nport = 0\n").unwrap();
        let invalid = Invalid {
            flag: "--port",
            problem: "0 is not a usable port".into(),
        };
        let e = file.locate("mx1", &invalid);
        assert_eq!(e.line, Some(4));
        assert_eq!(
            e.to_string(),
            "sensors.toml, line 4, sensors.mx1.port: 0 is not a usable port"
        );
    }

    #[test]
    fn the_shipped_example_reads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/sensors.toml");
        let file = ConfigFile::read(&path).unwrap();
        assert_eq!(
            file.names().collect::<Vec<_>>(),
            [
                "mx1",
                "submission",
                "relay",
                "mx1-relay",
                "mx1-envelope",
                "mx1-roundtrip",
                "maildomain"
            ]
        );
        let submission = file.sensor("submission").unwrap();
        assert_eq!(submission.mail_to, ["postmaster@example.com"]);
        assert_eq!(submission.sensor_id, Some(2001));
        // The round trip's settings, its password from the environment instead of the file.
        let round_trip = file.sensor("mx1-roundtrip").unwrap();
        let round_trip = SensorOptions {
            mailbox_password_file: None,
            ..round_trip.clone()
        };
        let env = |name: &str| (name == "SMTP_SENSOR_MAILBOX_PASSWORD").then(|| "pw".to_string());
        let (settings, _) = round_trip.into_settings(env).unwrap();
        let mailbox = settings.mailbox.unwrap();
        assert_eq!(
            (mailbox.host.as_str(), mailbox.port),
            ("imap.example.com", 993)
        );
        assert_eq!(mailbox.token_prefix, "smtp-sensor-roundtrip");
        assert_eq!(mailbox.latency_warning_ms, Some(30_000));
    }

    #[test]
    fn the_hosts_dns_is_the_files_top_level_keys() {
        let file = parse(
            "dns_server = [\"127.0.0.53\", \"[::1]:5353\"]\n\
             dns_trust_anchor = \"corp.example.keys\"\n\n[sensors.mx1]\nhost = \"a.example\"\n",
        )
        .unwrap();
        assert_eq!(
            file.dns(),
            &DnsConfig {
                servers: vec![
                    "127.0.0.53:53".parse().unwrap(),
                    "[::1]:5353".parse().unwrap()
                ],
                trust_anchors: vec![PathBuf::from("corp.example.keys")],
            }
        );
        let file = parse("dns_server = \"127.0.0.53:5353\"\n[sensors.mx1]\n").unwrap();
        assert_eq!(file.dns().servers, ["127.0.0.53:5353".parse().unwrap()]);
        assert!(file.dns().trust_anchors.is_empty());
        let none = parse("[sensors.mx1]\nhost = \"a.example\"\n").unwrap();
        assert_eq!(none.dns(), &DnsConfig::default());
        // A name is no resolver: the line, the key and the forms that work.
        let e = parse("\ndns_server = \"resolver.example\"\n[sensors.mx1]\n").unwrap_err();
        assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("dns_server")));
        assert!(e.problem.contains("192.0.2.53:5353"), "{}", e.problem);
        // Written after a sensor's header, the key is that sensor's: said where it belongs.
        let e = parse("[sensors.mx1]\nhost = \"a.example\"\ndns_server = \"127.0.0.53\"\n")
            .unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(
            e.problem
                .contains("write it at the top of the file, before the first [sensors.NAME]"),
            "{}",
            e.problem
        );
    }

    #[test]
    fn an_empty_file_says_what_to_write() {
        assert!(parse("").unwrap_err().problem.contains("[sensors.mx1]"));
        assert_eq!(parse("[sensor.mx1]\n").unwrap_err().line, Some(1));
    }
}
