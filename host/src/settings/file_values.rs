//! How a configuration file writes the flags' values, for serde: a value as text whether
//! quoted or a bare number (`warning = 5`, `tls_min_version = 1.3`), a flag's value in any
//! case, one recipient or a list, and a password refused outright. The file takes what the
//! command line takes, so each reads a value as [`super::values`] does.

use super::values::{parse_duration, parse_timeout};
use serde::{Deserialize, Deserializer};
use smtp_sensor_guest::Secret;
use std::time::Duration;

/// A value in a file as text, whether quoted or a bare number (`"2s"`, `5`, `1.3`): the
/// file takes what the command line takes.
fn text_or_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Whole(i64),
        Number(f64),
    }
    Ok(match TextOrNumber::deserialize(deserializer)? {
        TextOrNumber::Text(text) => text,
        TextOrNumber::Whole(number) => number.to_string(),
        TextOrNumber::Number(number) => number.to_string(),
    })
}

/// A duration in a file: `"500ms"`, `"2s"`, or seconds, quoted or not (`5`, `0.5`).
pub(super) fn duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    parse_duration(&text_or_number(deserializer)?)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// The timeout in a file: whole seconds, quoted or not (`60`), or a duration (`"90s"`).
pub(super) fn timeout<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    parse_timeout(&text_or_number(deserializer)?)
        .map(Some)
        .map_err(serde::de::Error::custom)
}

/// One of a flag's values, spelled as on the command line, in any case (`PLAIN`,
/// `cram-md5`), quoted or a bare number (`ip_version = 4`, `tls_min_version = 1.3`).
pub(super) fn value_enum<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: clap::ValueEnum,
{
    let text = text_or_number(deserializer)?;
    T::from_str(&text, true).map(Some).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        serde::de::Error::custom(format!("{text:?} is not one of {}", names.join(", ")))
    })
}

/// `"a@x"` or `["a@x", "b@x"]`.
pub(super) fn one_or_many<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

/// A password written into a configuration file is refused, whatever its value: files are
/// copied, committed and backed up. The error names the ways that keep it out.
pub(super) fn refuse_inline_password<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Secret>, D::Error> {
    let _ = serde::de::IgnoredAny::deserialize(deserializer)?;
    Err(serde::de::Error::custom(
        "a password is never read from the configuration file; use auth_password_file \
         (a file holding it) or auth_password_env (an environment variable's name)",
    ))
}
