//! Loopback addresses of a test's own, for servers on well-known ports: a DNS server on
//! port 53 (resolvers that take no port), a domain's MX hosts on port 25, its MTA-STS
//! policy host on 443. Each is claimed in a range of its own (`127.N.x.y`, N the range's
//! second octet) with a lock file in `/tmp/smtp-sensor-loopback/` (flock) held while the
//! claim lives, so tests running at once never share one: some servers bind with
//! `SO_REUSEPORT` (Knot), where a second on one address would not fail but take half the
//! traffic. Binding a port below 1024 needs root, as the tests run.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// How many addresses of a range are tried before giving up.
const TRIES: u32 = 512;

/// A claimed address: its lock is released, and its file removed, when this is dropped.
#[derive(Debug)]
pub struct Claimed {
    ip: Ipv4Addr,
    file: File,
    path: PathBuf,
}

impl Claimed {
    /// The address.
    pub fn ip(&self) -> Ipv4Addr {
        self.ip
    }
}

impl Drop for Claimed {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Claims an address `127.range.x.y` whose `port` is free (TCP and UDP) for this caller.
pub fn claim(range: u8, port: u16) -> Result<Claimed, String> {
    static N: AtomicU32 = AtomicU32::new(0);
    let locks = std::env::temp_dir().join("smtp-sensor-loopback");
    std::fs::create_dir_all(&locks).map_err(|e| format!("create {}: {e}", locks.display()))?;
    let seed = std::process::id()
        .wrapping_mul(2_654_435_761)
        .wrapping_add(N.fetch_add(1, Ordering::Relaxed).wrapping_mul(7919));
    for n in 0..TRIES {
        let k = seed.wrapping_add(n) % (254 * 254);
        let ip = Ipv4Addr::new(127, range, (k / 254 + 1) as u8, (k % 254 + 1) as u8);
        let Some(claimed) = take(&locks, ip)? else {
            continue;
        };
        if UdpSocket::bind((ip, port)).is_ok() && TcpListener::bind((ip, port)).is_ok() {
            return Ok(claimed);
        }
    }
    Err(format!(
        "no free port {port} on any of {TRIES} loopback addresses 127.{range}.x.y (are the \
         tests root?)"
    ))
}

/// Takes the lock of `ip`, or `None` when another holds it. A file removed by its last
/// holder between our open and our lock is no lock: then the path's file differs.
fn take(dir: &Path, ip: Ipv4Addr) -> Result<Option<Claimed>, String> {
    use std::os::unix::fs::MetadataExt as _;
    let path = dir.join(format!("{ip}.lock"));
    let file = File::create(&path).map_err(|e| format!("create a lock file: {e}"))?;
    if file.try_lock().is_err() {
        return Ok(None);
    }
    let same = match (file.metadata(), std::fs::metadata(&path)) {
        (Ok(held), Ok(named)) => held.ino() == named.ino() && held.dev() == named.dev(),
        _ => false,
    };
    Ok(same.then_some(Claimed { ip, file, path }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_are_distinct_while_held_and_free_again_after() {
        let (a, b) = (claim(60, 2525).unwrap(), claim(60, 2525).unwrap());
        assert_ne!(a.ip(), b.ip());
        assert!(a.path.exists());
        let path = a.path.clone();
        drop(a);
        assert!(!path.exists());
    }
}
