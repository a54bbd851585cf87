//! Running the `smtp-sensor` binary the way users and monitoring systems do.

use std::process::Output;
use tokio::process::Command;

/// The result of one run: exit code, stdout and stderr as text.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// Runs `program args` and waits for it; it is killed if the test ends first. Tests pass
/// `env!("CARGO_BIN_EXE_smtp-sensor-under-test")`, this package's build of the CLI, as the program
/// (or as an argument of a wrapper such as `unshare`).
pub async fn run(program: &str, args: &[&str]) -> Run {
    run_with_env(program, args, &[]).await
}

/// Like [`run`], with these environment variables set as well.
pub async fn run_with_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
        .into()
}

/// Runs `program check --host 127.0.0.1 --port PORT --security SECURITY` plus `extra`: a
/// check of a loopback server.
pub async fn check_loopback(program: &str, port: u16, security: &str, extra: &[&str]) -> Run {
    let port = port.to_string();
    run(
        program,
        &[&loopback_check(&port, security)[..], extra].concat(),
    )
    .await
}

/// The words `check --host 127.0.0.1 --port PORT --security SECURITY`.
pub fn loopback_check<'a>(port: &'a str, security: &'a str) -> [&'a str; 7] {
    [
        "check",
        "--host",
        "127.0.0.1",
        "--port",
        port,
        "--security",
        security,
    ]
}

impl Run {
    /// Stdout parsed as the one JSON object of `--format json`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {self:?}"))
    }
}

/// The value of channel `name` in a result as `--format json` writes it, if it has one.
pub fn channel(result: &serde_json::Value, name: &str) -> Option<f64> {
    result["channels"]
        .as_array()?
        .iter()
        .find(|c| c["name"] == name)?["value"]
        .as_f64()
}
