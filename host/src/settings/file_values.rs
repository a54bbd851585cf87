//! How a configuration file writes the flags' values, for serde: a value as text whether
//! quoted or a bare number (`warning = 5`, `tls_min_version = 1.3`), a flag's value in any
//! case (the nearest suggested when it is none), one recipient or a list, a list of a
//! flag's values or spam folders as one comma-separated string or a list, and a password
//! refused outright. The file takes what the command line takes, so each reads a value as
//! [`super::values`] does.

use super::nearest::nearest;
use super::values::{SpamFolders, parse_duration, parse_spam_folders, parse_timeout};
use serde::de::{IntoDeserializer as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use smtp_sensor_guest::Secret;
use std::fmt;
use std::marker::PhantomData;
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
    one_of(&text).map(Some).map_err(serde::de::Error::custom)
}

/// A flag's value in any case, or what is wrong: the values it takes, and the nearest.
fn one_of<T: clap::ValueEnum>(text: &str) -> Result<T, String> {
    T::from_str(text, true).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        let suggestion = nearest(&text.to_lowercase(), &all)
            .map(|name| format!("; did you mean {name}?"))
            .unwrap_or_default();
        format!("{text:?} is not one of {}{suggestion}", names.join(", "))
    })
}

/// A list of a flag's values: one comma-separated string, as on the command line
/// (`"dkim,dmarc"`), or a list (`["dkim", "dmarc"]`), each in any case.
pub(super) fn value_enum_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: clap::ValueEnum,
{
    let items: Vec<String> = one_or_many(deserializer)?;
    items
        .iter()
        .flat_map(|item| item.split(','))
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| one_of(item).map_err(serde::de::Error::custom))
        .collect()
}

/// The spam folders: one string as the command line takes it (`"Junk,INBOX.Spam"`, or
/// `"none"` for INBOX alone), or a list of names taken as written (`[]` for INBOX alone).
pub(super) fn spam_folders<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<SpamFolders>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(deserializer) {
        Ok(OneOrMany::One(text)) => parse_spam_folders(&text)
            .map(Some)
            .map_err(serde::de::Error::custom),
        Ok(OneOrMany::Many(folders)) => Ok(Some(SpamFolders(folders))),
        Err(_) => Err(serde::de::Error::custom(
            "give the spam folders as a string (\"Junk,INBOX.Spam\", or \"none\" for INBOX \
             alone) or a list of names ([\"Junk\"], or [] for INBOX alone)",
        )),
    }
}

/// A list key's value: one string or a list (`"a@x"` or `["a@x", "b@x"]`, `tls_ca =
/// "ca.pem"`), each item read as the key's own type reads it, its error kept.
pub(super) fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct OneOrMany<T>(PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrMany<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or a list of them")
        }

        fn visit_str<E: serde::de::Error>(self, one: &str) -> Result<Vec<T>, E> {
            T::deserialize(one.into_deserializer()).map(|one| vec![one])
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut many = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
            while let Some(one) = seq.next_element()? {
                many.push(one);
            }
            Ok(many)
        }
    }
    deserializer.deserialize_any(OneOrMany(PhantomData))
}

/// The DNS servers of a file's top-level `dns_server` key: one or a list, each as
/// `--dns-server` takes it (`"192.0.2.53"`, `"[2001:db8::53]:5353"`).
pub(super) fn dns_servers<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<std::net::SocketAddr>, D::Error> {
    one_or_many::<D, String>(deserializer)?
        .iter()
        .map(|server| {
            crate::engine::dns::resolver::parse_server(server).map_err(serde::de::Error::custom)
        })
        .collect()
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
