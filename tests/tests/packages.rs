//! The `.deb` and `.rpm` that `scripts/dist` put in `dist/`, checked as Debian and RHEL would
//! and as an administrator uses them: lintian, systemd's verifier on the prober's unit, the
//! man pages rendered with warnings on, bash completing `--security `, the configuration
//! kept over upgrades, the README and `docs/` in both, and the binary installed from the
//! `.deb` (into a throwaway root) checking a Postfix on loopback. Ignored in a plain `cargo
//! test` (they say so in its list): `.ci/run` runs them after `scripts/dist` with `--ignored`.

use smtp_sensor_tests::cli;
use smtp_sensor_tests::postfix::{Config, Postfix};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The one file in `dist/` whose name ends with `suffix`.
fn artefact(suffix: &str) -> PathBuf {
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist");
    let found: Vec<PathBuf> = std::fs::read_dir(&dist)
        .unwrap_or_else(|e| panic!("{}: {e}; run scripts/dist first", dist.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(found.len(), 1, "one {suffix} in dist/: {found:?}");
    found.into_iter().next().unwrap()
}

/// Runs a command; its stdout and stderr. Panics, with both, when it fails.
fn run(command: &mut Command) -> (String, String) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert!(
        output.status.success(),
        "{command:?}: {}\n{stdout}\n{stderr}",
        output.status
    );
    (stdout, stderr)
}

/// The `.deb` unpacked into a throwaway root (removed when dropped).
struct Unpacked(PathBuf);

impl Unpacked {
    fn deb() -> Self {
        let root = std::env::temp_dir().join(format!(
            "smtp-sensor-deb-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        run(Command::new("dpkg-deb")
            .arg("-x")
            .arg(artefact(".deb"))
            .arg(&root));
        Self(root)
    }

    fn path(&self, path: &str) -> PathBuf {
        self.0.join(path.trim_start_matches('/'))
    }
}

impl Drop for Unpacked {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
#[ignore = "needs dist/*.deb and lintian: .ci/run runs it after scripts/dist"]
fn lintian_reports_no_error() {
    let output = Command::new("lintian")
        .args([
            "--fail-on",
            "error",
            "--display-info",
            "--no-tag-display-limit",
        ])
        .arg(artefact(".deb"))
        .output()
        .expect("lintian (apt-get install lintian)");
    let report = String::from_utf8_lossy(&output.stdout);
    // The remaining warnings and notes, for the record.
    println!("lintian:\n{report}");
    let errors: Vec<&str> = report.lines().filter(|l| l.starts_with("E: ")).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(output.status.success(), "{output:?}");
}

#[test]
#[ignore = "needs dist/*.deb: .ci/run runs it after scripts/dist"]
fn systemd_accepts_the_hardened_unit() {
    let root = Unpacked::deb();
    let unit = root.path("/usr/lib/systemd/system/smtp-sensor.service");
    let text = std::fs::read_to_string(&unit).unwrap();
    for directive in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "CacheDirectory=smtp-sensor",
        "ExecStart=/usr/bin/smtp-sensor serve --config /etc/smtp-sensor/sensors.toml",
    ] {
        assert!(text.contains(directive), "{directive} in\n{text}");
    }
    // Every directive left out says why.
    assert!(
        text.contains("# MemoryDenyWriteExecute=yes: wasmtime"),
        "{text}"
    );
    // systemd-analyze checks that ExecStart's program exists and that Documentation's man
    // page is there: the unit as installed, with the unpacked root's binary and man pages.
    let dir = root.path("/verify");
    std::fs::create_dir_all(&dir).unwrap();
    let binary = root.path("/usr/bin/smtp-sensor");
    let copy = dir.join("smtp-sensor.service");
    std::fs::write(
        &copy,
        text.replace("/usr/bin/smtp-sensor", binary.to_str().unwrap()),
    )
    .unwrap();
    let (stdout, stderr) = run(Command::new("systemd-analyze")
        .arg("verify")
        .arg(&copy)
        .env("MANPATH", root.path("/usr/share/man")));
    assert!(
        stdout.is_empty() && stderr.is_empty(),
        "systemd-analyze found fault with the unit:\n{stdout}{stderr}"
    );
}

#[test]
#[ignore = "needs dist/*.deb and man-db: .ci/run runs it after scripts/dist"]
fn every_man_page_renders_without_warnings() {
    let root = Unpacked::deb();
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root.path("/usr/share/man/man1"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    let names: Vec<String> = pages
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "smtp-sensor-check.1.gz",
            "smtp-sensor-component.1.gz",
            "smtp-sensor-demo.1.gz",
            "smtp-sensor-serve.1.gz",
            "smtp-sensor.1.gz",
        ]
    );
    for page in &pages {
        let (text, warnings) = run(Command::new("man")
            .args(["--warnings", "--local-file"])
            .arg(page)
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "0")
            .env("LC_ALL", "C.UTF-8"));
        assert!(warnings.is_empty(), "{}: {warnings}", page.display());
        let text = without_overstrikes(&text);
        assert!(text.contains("SYNOPSIS"), "{text}");
    }
}

/// Text as `col -b` leaves it: man's bold and underline (`X\bX`, `_\bX`) as plain letters.
fn without_overstrikes(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\u{8}' {
            plain.pop();
        } else {
            plain.push(c);
        }
    }
    plain
}

#[test]
#[ignore = "needs dist/*.deb: .ci/run runs it after scripts/dist"]
fn bash_completes_security_to_its_five_values() {
    let root = Unpacked::deb();
    let script = root.path("/usr/share/bash-completion/completions/smtp-sensor");
    let line = "smtp-sensor check --security ";
    let (stdout, _) = run(Command::new("bash").arg("-c").arg(format!(
        "source '{}'; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
         COMP_WORDS=(smtp-sensor check --security ''); COMP_CWORD=3; \
         _smtp__sensor smtp-sensor '' --security; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    )));
    let mut values: Vec<&str> = stdout.split_whitespace().collect();
    values.sort_unstable();
    assert_eq!(
        values,
        [
            "none",
            "starttls",
            "starttls-if-available",
            "tls",
            "tls-if-available"
        ]
    );
}

#[test]
#[ignore = "needs dist/*.deb and *.rpm: .ci/run runs it after scripts/dist"]
fn the_configuration_survives_upgrades_in_both_packages() {
    let (conffiles, _) = run(Command::new("dpkg-deb")
        .arg("--info")
        .arg(artefact(".deb"))
        .arg("conffiles"));
    assert!(
        conffiles.contains("/etc/smtp-sensor/sensors.toml"),
        "{conffiles}"
    );
    assert!(conffiles.contains("/etc/nagios-plugins/config/smtp-sensor.cfg"));
    let (config, _) = run(Command::new("rpm")
        .args(["--query", "--package", "--configfiles"])
        .arg(artefact(".rpm")));
    assert!(config.contains("/etc/smtp-sensor/sensors.toml"), "{config}");
    let (files, _) = run(Command::new("rpm")
        .args(["--query", "--package", "--list"])
        .arg(artefact(".rpm")));
    for path in [
        "/usr/bin/smtp-sensor",
        "/usr/lib/systemd/system/smtp-sensor.service",
        "/usr/lib64/nagios/plugins/check_smtp_sensor",
        "/usr/share/man/man1/smtp-sensor-check.1",
        "/usr/share/bash-completion/completions/smtp-sensor",
    ] {
        assert!(
            files.lines().any(|l| l.starts_with(path)),
            "{path} in\n{files}"
        );
    }
}

#[test]
#[ignore = "needs dist/*.deb and *.rpm: .ci/run runs it after scripts/dist"]
fn both_packages_carry_the_readme_and_every_page_of_docs() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs");
    let mut wanted = vec!["/usr/share/doc/smtp-sensor/README.md".to_string()];
    for entry in std::fs::read_dir(&docs).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            wanted.push(format!("/usr/share/doc/smtp-sensor/docs/{name}"));
        }
    }
    assert!(wanted.len() > 2, "{wanted:?}");
    let root = Unpacked::deb();
    let (files, _) = run(Command::new("rpm")
        .args(["--query", "--package", "--list"])
        .arg(artefact(".rpm")));
    for path in &wanted {
        assert!(root.path(path).is_file(), "{path} in the .deb");
        assert!(
            files.lines().any(|l| l == path),
            "{path} in the .rpm:\n{files}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs dist/*.deb and Postfix: .ci/run runs it after scripts/dist"]
async fn the_binary_installed_from_the_deb_checks_postfix() {
    let root = Unpacked::deb();
    let (postfix, ca) =
        tokio::task::spawn_blocking(|| Postfix::start_with_test_ca(Config::default()))
            .await
            .unwrap()
            .unwrap();
    let binary = root.path("/usr/bin/smtp-sensor");
    let binary = binary.to_str().unwrap();
    let config = root.path("/etc/smtp-sensor/sensors.toml");
    let port = postfix.port().to_string();
    // The packaged sensors.toml's sensor, pointed at the loopback Postfix.
    let run = cli::run(
        binary,
        &[
            "check",
            "--config",
            config.to_str().unwrap(),
            "--sensor",
            "smtp",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--tls-ca",
            &ca,
            "--format",
            "nagios",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.starts_with("SMTP OK - "), "{}", run.stdout);
    assert!(
        run.stdout.contains("'TLS Handshake'="),
        "STARTTLS, as the file says: {}",
        run.stdout
    );
    let version = cli::run(binary, &["--version"]).await;
    assert!(version.stdout.contains("component sha256 "), "{version:?}");
}

#[test]
#[ignore = "needs dist/*.deb and *.rpm: .ci/run runs it after scripts/dist"]
fn the_deb_enables_and_starts_the_prober_and_the_rpm_follows_the_preset() {
    let (postinst, _) = run(Command::new("dpkg-deb")
        .arg("--info")
        .arg(artefact(".deb"))
        .arg("postinst"));
    assert!(
        postinst.contains("deb-systemd-helper enable smtp-sensor.service"),
        "{postinst}"
    );
    assert!(
        postinst.contains("deb-systemd-invoke $_dh_action smtp-sensor.service"),
        "{postinst}"
    );
    let (prerm, _) = run(Command::new("dpkg-deb")
        .arg("--info")
        .arg(artefact(".deb"))
        .arg("prerm"));
    assert!(
        prerm.contains("smtp-sensor.service"),
        "stopped on removal: {prerm}"
    );
    let (scripts, _) = run(Command::new("rpm")
        .args(["--query", "--package", "--scripts"])
        .arg(artefact(".rpm")));
    assert!(
        scripts.contains("systemctl --no-reload preset smtp-sensor.service"),
        "{scripts}"
    );
    assert!(
        scripts.contains("systemctl --no-reload disable --now smtp-sensor.service"),
        "{scripts}"
    );
}
