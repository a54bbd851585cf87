//! Prometheus' own linter for the text exposition format: `promtool check metrics`, from
//! Debian's `prometheus` package (scripts/setup installs it). Without it the tests that
//! need it fail and say so, rather than pass without checking.

use std::io::Write as _;
use std::process::{Command, Stdio};

/// Runs `promtool check metrics` on `exposition`; Ok, or what promtool said.
pub fn check_metrics(exposition: &str) -> Result<(), String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}): install Debian's prometheus package (scripts/setup does)")
        });
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(exposition.as_bytes())
        .expect("write to promtool");
    let output = child.wait_with_output().expect("promtool ran");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "promtool check metrics failed:\n{}{}\nfor:\n{exposition}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Runs `promtool check rules` on the rule file at `path`; Ok, or what promtool said.
pub fn check_rules(path: &std::path::Path) -> Result<(), String> {
    let output = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run promtool ({e}): install Debian's prometheus package (scripts/setup does)")
        });
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "promtool check rules {} failed:\n{}{}",
            path.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
