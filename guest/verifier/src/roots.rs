//! The built-in CA roots, handed out by name: one rule for smtp-sensor's host (which
//! answers the check's `trust-anchors` import natively), the portable `signature-verifier`
//! component (which answers it in WebAssembly) and the check's own native unit tests. The
//! check itself carries no roots: a chain can only end at a root that some presented
//! certificate names as its issuer, so those are all it needs.

use rustls::pki_types::TrustAnchor;

/// The most subjects one request is read for: the check asks this many at a time, and a
/// call costs no more comparisons than this many subjects against every root (what a call
/// may copy is bounded by the host's hostcall limit).
pub const MAX_SUBJECTS: usize = 16;

/// Every built-in root.
pub fn all() -> &'static [TrustAnchor<'static>] {
    webpki_roots::TLS_SERVER_ROOTS
}

/// The built-in roots whose subject is one of the first [`MAX_SUBJECTS`] of `subjects`, in
/// the roots' order, each once.
pub fn anchors_for<S: AsRef<[u8]>>(subjects: &[S]) -> Vec<&'static TrustAnchor<'static>> {
    let subjects = &subjects[..subjects.len().min(MAX_SUBJECTS)];
    all()
        .iter()
        .filter(|root| {
            subjects
                .iter()
                .any(|subject| subject.as_ref() == root.subject.as_ref())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_is_found_by_its_subject_once_and_unknown_names_find_none() {
        let root = &webpki_roots::TLS_SERVER_ROOTS[7];
        let subject = root.subject.as_ref().to_vec();
        let found = anchors_for(&[subject.clone(), b"no such name".to_vec(), subject]);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].subject_public_key_info,
            root.subject_public_key_info
        );
        assert!(anchors_for(&[b"no such name".to_vec()]).is_empty());
        assert!(anchors_for::<Vec<u8>>(&[]).is_empty());
    }

    #[test]
    fn only_the_first_sixteen_subjects_are_read() {
        let root = &webpki_roots::TLS_SERVER_ROOTS[0];
        let mut subjects = vec![b"filler".to_vec(); MAX_SUBJECTS];
        subjects.push(root.subject.as_ref().to_vec());
        assert!(anchors_for(&subjects).is_empty());
        subjects.swap(0, MAX_SUBJECTS);
        assert_eq!(anchors_for(&subjects).len(), 1);
    }
}
