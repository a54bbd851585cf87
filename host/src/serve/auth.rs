//! Basic authentication against bcrypt hashes, as the exporter-toolkit does it: bcrypt is
//! slow on purpose (tens of milliseconds), so it runs off the async threads, and a
//! successful check is remembered (by a SHA-256 of user, password and hash) so that
//! Prometheus' scrapes every few seconds do not pay for it again. An unknown user costs a
//! bcrypt run as well, so timing does not tell which users exist.
//!
//! Passwords are compared as Go's `bcrypt.CompareHashAndPassword` compares them in
//! golang.org/x/crypto v0.53.0 and v0.54.0 (which exporter-toolkit v0.17.1 and its main
//! branch use; unchanged since v0.5.0): bcrypt keys on a password's first 72 bytes, so a
//! password of 72 bytes passes (Go's `GenerateFromPassword` hashes one), and a longer one
//! passes when those 72 bytes are right. Since v0.5.0 Go refuses a password over 72 bytes
//! when making a hash, never when comparing ("since we cannot break hashes that have
//! already been stored"), so the prober does not refuse one either.

use base64::Engine as _;
use indexmap::IndexMap;
use ring::digest::{SHA256, digest};
use std::collections::HashSet;
use std::str::FromStr as _;
use std::sync::Mutex;

/// How many successful logins are remembered; the set is emptied when full.
const REMEMBERED: usize = 1024;

/// A hash of a password nobody has, checked for unknown users (bcrypt of "", cost 10).
const DECOY_HASH: &str = "$2b$10$PzOIGaMfhbs.d5qEcgO9fOwPSF7g8rbNtQbz2fnpn.M8A46phBgwm";

/// The users of `basic_auth_users`.
pub struct Users {
    hashes: IndexMap<String, String>,
    remembered: Mutex<HashSet<[u8; 32]>>,
}

impl Users {
    /// Users with their bcrypt hashes; a value that is not one is refused (without
    /// repeating it: it may be a password written there by mistake).
    pub fn new(hashes: IndexMap<String, String>) -> Result<Self, String> {
        for (user, hash) in &hashes {
            if bcrypt::HashParts::from_str(hash).is_err() {
                return Err(format!(
                    "basic_auth_users.{user}: not a bcrypt hash; write the hash, as \
                     `htpasswd -nBC 10 \"\" | tr -d ':\\n'` prints it, never the password"
                ));
            }
        }
        Ok(Self {
            hashes,
            remembered: Mutex::new(HashSet::new()),
        })
    }

    /// Whether an `Authorization` header's value names a user with the right password.
    pub async fn allow(self: &std::sync::Arc<Self>, authorization: Option<&[u8]>) -> bool {
        let Some((user, password)) = authorization.and_then(basic_credentials) else {
            return false;
        };
        let hash = self.hashes.get(&user).cloned();
        let key = remember_key(&user, &password, hash.as_deref().unwrap_or(DECOY_HASH));
        if hash.is_some() && self.lock().contains(&key) {
            return true;
        }
        let users = std::sync::Arc::clone(self);
        let checked = tokio::task::spawn_blocking(move || {
            let hash = hash.as_deref().unwrap_or(DECOY_HASH);
            let matches = bcrypt::verify(&password, hash).unwrap_or(false);
            matches && users.hashes.contains_key(&user)
        })
        .await
        .unwrap_or(false);
        if checked {
            let mut remembered = self.lock();
            if remembered.len() >= REMEMBERED {
                remembered.clear();
            }
            remembered.insert(key);
        }
        checked
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<[u8; 32]>> {
        self.remembered.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The user and password of `Basic <base64(user:password)>`.
fn basic_credentials(header: &[u8]) -> Option<(String, String)> {
    let header = std::str::from_utf8(header).ok()?;
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

fn remember_key(user: &str, password: &str, hash: &str) -> [u8; 32] {
    let text = format!("{user}\0{password}\0{hash}");
    let mut key = [0; 32];
    key.copy_from_slice(digest(&SHA256, text.as_bytes()).as_ref());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn header(user: &str, password: &str) -> Vec<u8> {
        let encoded =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        format!("Basic {encoded}").into_bytes()
    }

    #[tokio::test]
    async fn only_the_right_password_passes_and_is_remembered() {
        let hash = bcrypt::hash("s3cret", 4).unwrap();
        let users =
            Arc::new(Users::new(IndexMap::from([("prometheus".to_string(), hash)])).unwrap());
        assert!(users.allow(Some(&header("prometheus", "s3cret"))).await);
        assert_eq!(users.lock().len(), 1);
        assert!(users.allow(Some(&header("prometheus", "s3cret"))).await);
        assert!(!users.allow(Some(&header("prometheus", "wrong"))).await);
        assert!(!users.allow(Some(&header("nobody", "s3cret"))).await);
        assert!(!users.allow(Some(b"Bearer abc")).await);
        assert!(!users.allow(Some(b"Basic !!!")).await);
        assert!(!users.allow(None).await);
    }

    #[tokio::test]
    async fn long_passwords_pass_as_go_s_bcrypt_compares_them() {
        let long: String = ('a'..='z').cycle().take(100).collect();
        let (first_72, first_71) = (&long[..72], &long[..71]);
        // Go hashes a password of 72 bytes; htpasswd hashes a longer one's first 72.
        let hash = bcrypt::hash(first_72, 4).unwrap();
        let users = Arc::new(Users::new(IndexMap::from([("p".to_string(), hash)])).unwrap());
        assert!(users.allow(Some(&header("p", first_72))).await);
        assert!(users.allow(Some(&header("p", &long))).await);
        assert!(!users.allow(Some(&header("p", first_71))).await);
        let mut wrong = long.clone().into_bytes();
        wrong[71] = b'!';
        let wrong = String::from_utf8(wrong).unwrap();
        assert!(!users.allow(Some(&header("p", &wrong))).await);
    }

    #[test]
    fn the_decoy_is_a_valid_hash() {
        assert!(bcrypt::HashParts::from_str(DECOY_HASH).is_ok());
    }
}
