//! The process's own figures, as Prometheus' `process_*` families report them: CPU time and
//! memory read from `/proc/PID/stat` (Linux only), resident memory counted in the kernel's
//! page size. The prober's `/metrics` reports its own; the prober's benchmark reads a
//! prober's by its id.

/// A process's CPU time and memory, from `/proc/PID/stat` (Linux only).
pub struct Process {
    /// User plus system CPU time, in seconds.
    pub cpu_seconds: f64,
    /// The system (kernel) part of it, in seconds.
    pub system_seconds: f64,
    /// Resident memory, in bytes.
    pub resident_bytes: u64,
    /// Virtual memory (address space), in bytes.
    pub virtual_bytes: u64,
}

impl Process {
    /// Reads this process's; `None` where `/proc` is not there.
    pub fn read() -> Option<Self> {
        Self::parse(
            &std::fs::read_to_string("/proc/self/stat").ok()?,
            page_size(),
        )
    }

    /// Reads process `pid`'s; `None` where it or `/proc` is not there.
    pub fn of(pid: u32) -> Option<Self> {
        Self::parse(
            &std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?,
            page_size(),
        )
    }

    /// Reads `/proc/PID/stat`'s text (fields 14, 15: utime, stime in clock ticks of
    /// 1/100 s; 23: vsize in bytes; 24: rss in pages of `page_size` bytes).
    pub fn parse(stat: &str, page_size: u64) -> Option<Self> {
        // The command name (field 2) is in parentheses and may hold spaces.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        Some(Self {
            cpu_seconds: (field(14)? + field(15)?) as f64 / 100.0,
            system_seconds: field(15)? as f64 / 100.0,
            resident_bytes: field(24)? * page_size,
            virtual_bytes: field(23)?,
        })
    }
}

/// The size of the kernel's memory pages, in which `/proc` counts resident memory: 4 KiB on
/// x86-64, but 16 or 64 KiB on some arm64 and ppc64le kernels, where assuming 4 KiB would
/// report a fraction of the truth.
#[cfg(unix)]
fn page_size() -> u64 {
    rustix::param::page_size() as u64
}

/// No `/proc` to read: never used.
#[cfg(not(unix))]
fn page_size() -> u64 {
    4096
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_figures_come_from_proc_stat() {
        let stat = "4242 (smtp sensor) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 3 0 99 \
                    123456789 300 18446744073709551615";
        let process = Process::parse(stat, 4096).unwrap();
        assert_eq!(process.cpu_seconds, 3.0);
        assert_eq!(process.system_seconds, 0.5);
        assert_eq!(process.resident_bytes, 300 * 4096);
        assert_eq!(process.virtual_bytes, 123456789);
        // On a kernel of 64 KiB pages, the same 300 pages are 16 times as much memory.
        let process = Process::parse(stat, 65536).unwrap();
        assert_eq!(process.resident_bytes, 300 * 65536);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn resident_memory_is_what_the_kernel_says_in_bytes() {
        // /proc/self/status says VmRSS in kB whatever the page size.
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().strip_suffix("kB"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap();
        let resident = Process::read().unwrap().resident_bytes;
        // The two reads are moments apart: allow for a little growth either way.
        let (status_bytes, slack) = (kib * 1024, 8 << 20);
        assert!(
            resident.abs_diff(status_bytes) < slack,
            "stat {resident} B, status {status_bytes} B"
        );
    }
}
