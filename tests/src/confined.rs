//! A daemon run in a private mount namespace (`unshare --mount`, as root) that gives it two
//! things of its own without touching the shared machine:
//! - an `/etc/resolv.conf` naming one nameserver (a test's Knot on port 53 of a 127.53.x.y
//!   address), for daemons whose resolver takes no port (OpenDMARC, libspf2);
//! - a `/dev/log` that is a socket this handle reads: the milters log only through
//!   syslog(3), and the machine runs no syslog. Its `/dev` is a tmpfs with only `null`,
//!   `zero`, `random`, `urandom` and `log`.
//!
//! The daemon runs in the foreground as the child (`unshare` and `sh` exec into it), so
//! dropping the handle kills it.

use std::io::Write as _;
use std::net::Ipv4Addr;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Sets up the namespace, then execs the daemon (`$0` the folder, `$1` on its command).
const SETUP: &str = r#"set -e
d="$0"
mount --bind "$d/resolv.conf" /etc/resolv.conf
for n in null zero random urandom; do : > "$d/dev-$n"; mount --bind /dev/$n "$d/dev-$n"; done
mount -t tmpfs -o mode=755 tmpfs /dev
for n in null zero random urandom; do : > /dev/$n; mount --bind "$d/dev-$n" /dev/$n; done
ln -s "$d/log.sock" /dev/log
exec "$@"
"#;

/// A running confined daemon.
pub struct Confined {
    child: Child,
    log: PathBuf,
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

impl Confined {
    /// Runs `program` with `args` confined, its files in `dir` (created): `resolv.conf`
    /// naming `nameserver`, the syslog socket, and `NAME.log` (`NAME` the program's file
    /// name), which gets the syslog lines and its stdout and stderr.
    pub fn spawn(
        dir: &Path,
        nameserver: Ipv4Addr,
        program: &str,
        args: &[&str],
    ) -> Result<Self, String> {
        assert!(nameserver.is_loopback(), "no DNS query may leave loopback");
        let unshare = Command::new("unshare").args(["--mount", "true"]).status();
        if !matches!(unshare, Ok(s) if s.success()) {
            return Err(
                "`unshare --mount` failed: it needs util-linux (`apt-get install util-linux`) \
                 and root, to give a daemon its own /etc/resolv.conf and /dev/log"
                    .into(),
            );
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        let resolv = format!("nameserver {nameserver}\noptions timeout:2 attempts:1\n");
        std::fs::write(dir.join("resolv.conf"), resolv).map_err(|e| e.to_string())?;
        let name = Path::new(program).file_name().unwrap().to_string_lossy();
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let socket_path = dir.join("log.sock");
        let _ = std::fs::remove_file(&socket_path);
        let socket = UnixDatagram::bind(&socket_path).map_err(|e| format!("bind syslog: {e}"))?;
        socket
            .set_read_timeout(Some(Duration::from_millis(100)))
            .map_err(|e| e.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let reader = {
            let (stop, mut file) = (stop.clone(), file.try_clone().map_err(|e| e.to_string())?);
            std::thread::spawn(move || {
                let mut buf = vec![0; 16 * 1024];
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(n) = socket.recv(&mut buf) {
                        let _ = writeln!(file, "{}", String::from_utf8_lossy(&buf[..n]).trim_end());
                    }
                }
            })
        };
        let child = Command::new("unshare")
            .args(["--mount", "sh", "-c", SETUP])
            .arg(dir)
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(file.try_clone().map_err(|e| e.to_string())?)
            .stderr(file)
            .spawn()
            .map_err(|e| format!("start {program} under unshare: {e}"))?;
        Ok(Self {
            child,
            log,
            stop,
            reader: Some(reader),
        })
    }

    /// Its log so far (syslog lines, stdout and stderr).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// An error with its log if it has exited.
    pub fn check_running(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(format!("exited ({status}); its log:\n{}", self.log())),
            _ => Ok(()),
        }
    }
}

impl Drop for Confined {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stop.store(true, Ordering::Relaxed);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}
