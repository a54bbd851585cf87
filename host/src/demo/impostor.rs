//! A CA in the name of one of the built-in roots, with a key of its own: what it issues
//! names a real root as its issuer, so a check looks that root up (the contract's
//! `trust-anchors`) and finds the signature wrong, where a certificate from an unknown CA
//! finds no root at all. The tests tell the two apart to prove the roots reach the check.

use super::pki::Ca;
use rcgen::{DistinguishedName, DnType, DnValue};

/// A CA whose subject is, byte for byte, a built-in root's (the first whose name rcgen can
/// write: one attribute to each RDN, printable or UTF-8 values), and that root's subject.
pub fn ca_in_a_builtin_roots_name() -> (Ca, Vec<u8>) {
    smtp_sensor_verifier::roots::all()
        .iter()
        .find_map(|root| {
            let subject = root.subject.as_ref();
            let ca = Ca::with_name("an impostor of a built-in root", name_of(subject)?);
            let written = webpki::EndEntityCert::try_from(&ca.certificate())
                .ok()?
                .subject()
                .to_vec();
            (written == subject).then_some((ca, written))
        })
        .expect("a built-in root whose name rcgen can write")
}

/// `subject` (a Name's contents, DER) as rcgen writes names, when it can.
fn name_of(subject: &[u8]) -> Option<DistinguishedName> {
    let mut name = DistinguishedName::new();
    let mut rdns = subject;
    while !rdns.is_empty() {
        let (0x31, set, rest) = tlv(rdns)? else {
            return None;
        };
        let (0x30, pair, after) = tlv(set)? else {
            return None;
        };
        let (0x06, oid, value) = tlv(pair)? else {
            return None;
        };
        let (tag, text, _) = tlv(value)?;
        let text = String::from_utf8(text.to_vec()).ok()?;
        let value = match tag {
            0x13 => DnValue::PrintableString(text.try_into().ok()?),
            0x0c => DnValue::Utf8String(text),
            _ => return None,
        };
        if !after.is_empty() || oid.is_empty() {
            return None;
        }
        name.push(DnType::CustomDnType(arcs(oid)), value);
        rdns = rest;
    }
    Some(name)
}

/// An OBJECT IDENTIFIER's contents as its arcs.
fn arcs(oid: &[u8]) -> Vec<u64> {
    let mut arcs = vec![u64::from(oid[0] / 40), u64::from(oid[0] % 40)];
    let mut arc = 0u64;
    for &byte in &oid[1..] {
        arc = arc << 7 | u64::from(byte & 0x7f);
        if byte < 0x80 {
            arcs.push(arc);
            arc = 0;
        }
    }
    arcs
}

/// One DER element of `der`: its tag, its contents and what follows it (short and one- or
/// two-byte lengths: a name's are).
fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = match first {
        n if n < 0x80 => (usize::from(n), rest),
        0x81 => (usize::from(*rest.first()?), rest.get(1..)?),
        0x82 => (
            usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?])),
            rest.get(2..)?,
        ),
        _ => return None,
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_impostor_bears_a_built_in_roots_name_exactly() {
        let (ca, subject) = ca_in_a_builtin_roots_name();
        let found = smtp_sensor_verifier::roots::anchors_for(&[subject]);
        assert_eq!(found.len(), 1, "one built-in root has that name");
        let certificate = ca.certificate();
        let ours = webpki::EndEntityCert::try_from(&certificate).unwrap();
        let key = found[0].subject_public_key_info.as_ref();
        assert!(
            !ours.subject_public_key_info().as_ref().ends_with(key),
            "its own key, not the root's"
        );
    }
}
