//! The open-file limit: a prober holds a socket per probe to its target and one per scrape,
//! so it raises its soft limit to the hard one at start, as Go programs (blackbox_exporter)
//! do, instead of failing at Linux's default soft limit of 1,024. Windows has no such limit
//! (a process may hold millions of handles) and no count of them to read here: there the
//! prober raises nothing, warns of nothing and leaves both `process_*_fds` metrics out.

#[cfg(unix)]
use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

use smtp_sensor_guest::limits::{MAX_LOOKUPS_IN_FLIGHT, MAX_OPEN_SOCKETS};

/// Whether this system has an open-file limit to raise and descriptors to count.
pub const COUNTED: bool = cfg!(unix);

/// Descriptors a probe in flight may hold at most: the sockets the sandbox lets a check
/// hold open, one per lookup under way (`getaddrinfo` asks DNS over a socket of its own),
/// the scrape's connection, and room for a scrape waiting for a slot. A real check holds
/// one or two.
const PER_PROBE: u64 = (MAX_OPEN_SOCKETS + MAX_LOOKUPS_IN_FLIGHT + 2) as u64;

/// Raises the soft limit on open files to the hard limit. Returns the soft limit now in
/// force (`None`: unlimited) and a warning when it is too low for `slots` probes at once.
#[cfg(unix)]
pub fn raise(slots: u64) -> (Option<u64>, Option<String>) {
    let limit = getrlimit(Resource::Nofile);
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    let soft = if limit.current != limit.maximum && setrlimit(Resource::Nofile, raised).is_ok() {
        limit.maximum
    } else {
        limit.current
    };
    (soft, warning(soft, slots))
}

/// Windows: nothing to raise.
#[cfg(not(unix))]
pub fn raise(_slots: u64) -> (Option<u64>, Option<String>) {
    (None, None)
}

/// The soft open-file limit in force (`None`: unlimited, or no limit on this system).
#[cfg(unix)]
pub fn limit() -> Option<u64> {
    getrlimit(Resource::Nofile).current
}

#[cfg(not(unix))]
pub fn limit() -> Option<u64> {
    None
}

/// How many descriptors the process has open, from `/proc/self/fd` (`None` where it is not
/// there). The listing's own descriptor is not counted.
pub fn open() -> Option<u64> {
    let listed = std::fs::read_dir("/proc/self/fd").ok()?.count() as u64;
    Some(listed.saturating_sub(1))
}

/// A warning when `soft` descriptors are too few for `slots` probes at once.
#[cfg_attr(not(unix), allow(dead_code))]
fn warning(soft: Option<u64>, slots: u64) -> Option<String> {
    let needed = slots.saturating_mul(PER_PROBE).saturating_add(64);
    let soft = soft?;
    (soft < needed).then(|| {
        format!(
            "the open-file limit is {soft}, too low for --max-concurrent-probes {slots} \
             (about {needed}): raise the hard limit (LimitNOFILE= in the systemd unit, \
             ulimit -Hn) or lower --max-concurrent-probes"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_only_when_the_limit_is_short() {
        assert_eq!(warning(None, 256), None);
        assert_eq!(warning(Some(65536), 256), None);
        let short = warning(Some(1024), 256).unwrap();
        assert!(short.contains("1024") && short.contains("--max-concurrent-probes 256"));
        assert!(warning(Some(1024), 64).is_none());
        // The unit's limit holds the default slots at their worst.
        assert!(warning(Some(65536), 4096).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn the_soft_limit_ends_at_the_hard_one() {
        let (soft, _) = raise(1);
        assert_eq!(soft, getrlimit(Resource::Nofile).maximum);
        assert_eq!(getrlimit(Resource::Nofile).current, soft);
        assert_eq!(limit(), soft);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn open_descriptors_are_counted() {
        // Other tests open and close files meanwhile: 64 more open must show as at least
        // 32 more.
        let before = open().unwrap();
        let files: Vec<_> = (0..64)
            .map(|_| std::fs::File::open("/proc/self/stat").unwrap())
            .collect();
        let during = open().unwrap();
        drop(files);
        assert!(
            during >= before + 32,
            "{before} open, then {during} with 64 more"
        );
    }
}
