//! A Wine prefix of its own, for running the Windows build (`smtp-sensor.exe`) on Debian
//! (Debian's `wine64`). Debian 12's Wine 8.0 lacks `bcryptprimitives.dll`, where Rust's
//! standard library takes its randomness from: the prefix gets a stand-in built with
//! mingw-w64 from `tests/wine/bcryptprimitives.c` (test only, never shipped). The prefix's
//! Wine server is stopped and its folder removed when the handle is dropped.

use crate::cli::Run;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// How many times a new prefix is booted before the test gives up.
const BOOT_TRIES: usize = 3;
/// Where Debian's `wine64` package puts the loader and the server.
const WINE_DIR: &str = "/usr/lib/wine";

/// A Wine prefix.
pub struct Wine {
    prefix: PathBuf,
}

impl Wine {
    /// Makes a new prefix (a few seconds) with the stand-in DLL in its `system32`.
    pub fn start() -> Result<Self, String> {
        let loader = Path::new(WINE_DIR).join("wine64");
        if !loader.exists() {
            return Err(format!(
                "{} is missing: `apt-get install wine64` (scripts/setup dist does)",
                loader.display()
            ));
        }
        let prefix = std::env::temp_dir().join(format!(
            "smtp-sensor-wine-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let wine = Self { prefix };
        // A new prefix's first boot now and then fails on a loaded machine (exit 53, seen
        // in CI with two tests booting at once): a fresh prefix is tried again.
        let mut tries = 0;
        loop {
            tries += 1;
            let _ = std::fs::remove_dir_all(&wine.prefix);
            std::fs::create_dir_all(&wine.prefix).map_err(|e| format!("create the prefix: {e}"))?;
            let booted = wine
                .command("wine64")
                .args(["wineboot", "--init"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .map_err(|e| format!("wineboot: {e}"))?;
            if booted.status.success() {
                break;
            }
            wine.stop_server();
            if tries >= BOOT_TRIES {
                let said = String::from_utf8_lossy(&booted.stderr);
                let tail: String = said.lines().rev().take(10).collect::<Vec<_>>().join("\n");
                return Err(format!(
                    "wineboot failed {tries} times, the last: {}; its last lines (newest \
                     first):\n{tail}",
                    booted.status
                ));
            }
        }
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("wine");
        let dll = wine.drive_c().join("windows/system32/bcryptprimitives.dll");
        let built = Command::new("x86_64-w64-mingw32-gcc")
            .args(["-shared", "-O2", "-o"])
            .arg(&dll)
            .arg(source.join("bcryptprimitives.c"))
            .arg(source.join("bcryptprimitives.def"))
            .arg("-ladvapi32")
            .output()
            .map_err(|e| format!("x86_64-w64-mingw32-gcc (gcc-mingw-w64-x86-64): {e}"))?;
        if !built.status.success() {
            return Err(format!(
                "building the stand-in bcryptprimitives.dll failed: {}",
                String::from_utf8_lossy(&built.stderr)
            ));
        }
        Ok(wine)
    }

    /// Stops the prefix's Wine server, if one runs.
    fn stop_server(&self) {
        let _ = self.command("wineserver64").arg("--kill").status();
    }

    /// The prefix's `C:` drive, as a Linux folder.
    pub fn drive_c(&self) -> PathBuf {
        self.prefix.join("drive_c")
    }

    /// `program` of Wine's folder, with this prefix and Wine's own chatter turned off.
    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(Path::new(WINE_DIR).join(program));
        command
            .env("WINEPREFIX", &self.prefix)
            .env("WINEDEBUG", "-all");
        command
    }

    /// The words that run a Windows program in this prefix (with `env`), for a wrapper
    /// such as [`crate::prober::Prober::start_wrapped`]'s.
    pub fn wrapper(&self) -> Vec<String> {
        vec![
            "env".into(),
            format!("WINEPREFIX={}", self.prefix.display()),
            "WINEDEBUG=-all".into(),
            format!("{WINE_DIR}/wine64"),
        ]
    }

    /// Runs the Windows program `exe` with `args` and these environment variables (Wine
    /// passes the environment on), and waits for it.
    pub async fn run(&self, exe: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = tokio::process::Command::from(self.command("wine64"));
        command
            .arg(exe)
            .args(args)
            .envs(env.iter().copied())
            .kill_on_drop(true)
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run {} under Wine: {e}", exe.display()))
            .into()
    }
}

impl Drop for Wine {
    fn drop(&mut self) {
        self.stop_server();
        let _ = std::fs::remove_dir_all(&self.prefix);
    }
}

/// A Linux path as Windows programs under Wine see it (Wine's `Z:` is `/`).
pub fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}
