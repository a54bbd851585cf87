//! The `_mta-sts.DOMAIN` TXT record (RFC 8461 3.1): `v=STSv1; id=20160831085700Z;`. Its
//! presence says the domain publishes an MTA-STS policy, and its `id` names the policy's
//! version. Exactly one record may begin with `v=STSv1` ([`find`]); it is read by the
//! section's ABNF, strictly, since senders treat an invalid record as no policy at all:
//!
//! ```text
//! sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
//! sts-field       = sts-id / sts-extension        ; sts-id is required
//! sts-field-delim = *WSP ";" *WSP
//! sts-version     = %s"v=STSv1"
//! sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//! sts-extension   = sts-ext-name "=" sts-ext-value
//! sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
//! ```
//!
//! Field names are case-sensitive (`%s`): `ID=1` is an extension, not the id, which an
//! error then points out.

use super::name::shown;
pub use super::txt::RecordError;
use super::txt::{self, RecordKind};

/// The longest policy id (RFC 8461 3.1: `1*32(ALPHA / DIGIT)`).
pub const MAX_ID_LEN: usize = 32;

/// A valid `_mta-sts` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsRecord {
    /// The policy's id: 1 to [`MAX_ID_LEN`] letters and digits.
    pub id: String,
    /// Any other fields, name and value, in order (unknown fields are ignored by senders,
    /// RFC 8461 3.2).
    pub extensions: Vec<(String, String)>,
}

/// The domain's MTA-STS record among the TXT records at `_mta-sts.DOMAIN` (each a list of
/// strings, as DNS gives them, joined without spaces): `None` when no record begins with
/// `v=STSv1` (no policy); an error when several do (senders then use none, RFC 8461 3.1)
/// or the one that does is invalid.
pub fn find(records: &[Vec<Vec<u8>>]) -> Result<Option<StsRecord>, RecordError> {
    let Some(record) = txt::select(RecordKind::MtaSts, records)? else {
        return Ok(None);
    };
    parse(&record)
        .map(Some)
        .map_err(|reason| txt::invalid(RecordKind::MtaSts, &record, reason))
}

/// Reads one record that begins with `v=STSv1`; the error is why it is invalid.
fn parse(record: &[u8]) -> Result<StsRecord, String> {
    let mut id: Option<String> = None;
    let mut extensions = Vec::new();
    for (name, value) in txt::fields(RecordKind::MtaSts, record)? {
        if name == "id" {
            if let Some(first) = &id {
                return Err(format!(
                    "it has two id fields ({} and {})",
                    shown(first),
                    shown(&value)
                ));
            }
            id_problem(&value).map_or(Ok(()), Err)?;
            id = Some(value);
        } else if txt::is_extension_value(&value) {
            extensions.push((name, value));
        } else {
            return Err(txt::bad_extension(&name, &value));
        }
    }
    let Some(id) = id else {
        let hint = extensions
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("id"))
            .map(|(name, _)| format!(" ({name:?} is not \"id\": field names are case-sensitive)"))
            .unwrap_or_default();
        return Err(format!("it has no id field{hint}"));
    };
    Ok(StsRecord { id, extensions })
}

/// Why `id` is not a policy id, if it is not.
fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("its id is empty".into());
    }
    if let Some(bad) = id.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Some(format!(
            "its id {} holds {bad:?}, where only letters and digits are allowed",
            shown(id)
        ));
    }
    if id.len() > MAX_ID_LEN {
        return Some(format!(
            "its id {} is {} characters long, more than {MAX_ID_LEN}",
            shown(id),
            id.len()
        ));
    }
    None
}

#[cfg(test)]
mod tests;
