//! The one-shot check when what is around it fails: `--store-result` into a full disk, a
//! read-only folder or a missing one, and a compiled-component cache that is read-only,
//! corrupt or on a full disk. Each time the check says what failed, once, on stderr, still
//! prints its result in the format asked for with the check's own exit code, and never
//! leaves a partial file behind (files are replaced atomically).
//!
//! Full and read-only disks are small tmpfs mounts made in a mount namespace of the check's
//! own (`unshare --mount`, as root, as `eyeballs.rs` does), so nothing outside the test is
//! touched; the server is a scripted one on loopback.

use smtp_sensor_tests::scratch::Scratch;
use smtp_sensor_tests::server::{ScriptedServer, normal};
use std::path::Path;

const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// What one run left: its output, errors, exit code, and the files in the folder it was
/// to write (listed from inside its namespace, after the run).
#[derive(Debug)]
struct Outcome {
    stdout: String,
    stderr: String,
    code: i32,
    left: Vec<String>,
}

/// How the folder `dir` is made before the check runs.
enum Disk {
    /// As it is (or missing).
    AsIs,
    /// A 256 KiB tmpfs, filled up to the last block.
    Full,
    /// A read-only tmpfs.
    ReadOnly,
}

/// Runs `smtp-sensor check` of a healthy loopback server with `args` (which name `dir`
/// where needed) and the environment `env`, `dir` made as `disk` says, in a mount namespace
/// of its own.
async fn run(
    scratch: &Scratch,
    dir: &Path,
    disk: Disk,
    args: &[&str],
    env: &[(&str, &str)],
) -> Outcome {
    let unshare = std::process::Command::new("unshare")
        .args(["--mount", "true"])
        .status();
    assert!(
        matches!(unshare, Ok(s) if s.success()),
        "this test needs `unshare --mount` (util-linux, as root) to make full and read-only disks"
    );
    let server = ScriptedServer::start(normal()).await;
    let d = dir.display();
    let prepare = match disk {
        Disk::AsIs => String::new(),
        Disk::Full => format!(
            "mkdir -p '{d}' && mount -t tmpfs -o size=256k,mode=700 tmpfs '{d}' && \
             (dd if=/dev/zero of='{d}/filler' bs=4k 2>/dev/null; true) && "
        ),
        Disk::ReadOnly => {
            format!("mkdir -p '{d}' && mount -t tmpfs -o ro,size=256k,mode=700 tmpfs '{d}' && ")
        }
    };
    let out = scratch.path().join("out");
    let err = scratch.path().join("err");
    let code = scratch.path().join("code");
    let list = scratch.path().join("list");
    let exports: String = env
        .iter()
        .map(|(k, v)| format!("export {k}='{v}'; "))
        .collect();
    let script = format!(
        "{exports}{prepare}\"$0\" \"$@\" > '{}' 2> '{}'; echo $? > '{}'; \
         ls -A '{d}' > '{}' 2>/dev/null; true",
        out.display(),
        err.display(),
        code.display(),
        list.display()
    );
    let port = server.port().to_string();
    let base = [
        "--mount",
        "sh",
        "-c",
        &script,
        SMTP_SENSOR,
        "check",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        "none",
    ];
    let status = tokio::process::Command::new("unshare")
        .args([&base[..], args].concat())
        .kill_on_drop(true)
        .status()
        .await
        .expect("run unshare");
    assert!(status.success(), "{status:?}");
    let read = |path: &Path| std::fs::read_to_string(path).unwrap_or_default();
    Outcome {
        stdout: read(&out),
        stderr: read(&err),
        code: read(&code).trim().parse().unwrap_or(-1),
        left: read(&list).lines().map(str::to_string).collect(),
    }
}

/// The run printed an up result in Nagios's words and exited 0, and said `what` exactly
/// once on stderr.
fn printed_anyway(outcome: &Outcome, what: &str) {
    assert!(outcome.stdout.starts_with("SMTP OK - "), "{outcome:?}");
    assert_eq!(outcome.code, 0, "{outcome:?}");
    assert_eq!(
        outcome.stderr.matches(what).count(),
        1,
        "said once: {what:?}\n{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_result_that_cannot_be_stored_is_said_once_and_printed() {
    let scratch = Scratch::new("store-result-fails");
    let dir = scratch.path().join("results");
    let store = [
        "--store-result",
        dir.to_str().unwrap(),
        "--sensor-id",
        "7",
        "--format",
        "nagios",
    ];
    let off = [("SMTP_SENSOR_CACHE_DIR", "off")];

    let full = run(&scratch, &dir, Disk::Full, &store, &off).await;
    printed_anyway(&full, "could not store the result in");
    assert!(full.stderr.contains("No space left"), "{full:?}");
    assert_eq!(full.left, ["filler"], "no partial result file: {full:?}");

    let read_only = run(&scratch, &dir, Disk::ReadOnly, &store, &off).await;
    printed_anyway(&read_only, "could not store the result in");
    assert!(
        read_only.stderr.contains("Read-only file system"),
        "{read_only:?}"
    );
    assert!(read_only.left.is_empty(), "{read_only:?}");

    let missing = scratch.path().join("no such folder");
    let store = [
        "--store-result",
        missing.to_str().unwrap(),
        "--sensor-id",
        "7",
        "--format",
        "nagios",
    ];
    let gone = run(&scratch, &missing, Disk::AsIs, &store, &off).await;
    printed_anyway(&gone, "could not store the result in");
    assert!(gone.stderr.contains("create the folder"), "{gone:?}");

    // PRTG's format prints the result too, and exits 0 as PRTG wants.
    let prtg = [
        "--store-result",
        dir.to_str().unwrap(),
        "--sensor-id",
        "7",
        "--format",
        "prtg",
    ];
    let full = run(&scratch, &dir, Disk::Full, &prtg, &off).await;
    assert!(full.stdout.starts_with("{\"prtg\":"), "{full:?}");
    assert!(
        !full.stdout.contains("\"error\":1"),
        "the check itself is up: {full:?}"
    );
    assert_eq!(full.code, 0);
    assert_eq!(full.left, ["filler"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cache_that_fails_is_said_once_and_the_check_runs() {
    let scratch = Scratch::new("cache-fails");
    let dir = scratch.path().join("cache");
    let nagios = ["--format", "nagios"];
    let cache = dir.to_str().unwrap();
    let env = [("SMTP_SENSOR_CACHE_DIR", cache)];
    let trouble = "cannot keep the compiled component in the cache folder";

    let read_only = run(&scratch, &dir, Disk::ReadOnly, &nagios, &env).await;
    printed_anyway(&read_only, trouble);
    assert!(read_only.left.is_empty(), "{read_only:?}");

    let full = run(&scratch, &dir, Disk::Full, &nagios, &env).await;
    printed_anyway(&full, trouble);
    assert_eq!(full.left, ["filler"], "no partial cache entry: {full:?}");

    // A usable folder: the first run fills it, silently; a corrupt entry is said once,
    // compiled again and replaced, and the next run is silent again.
    let first = run(&scratch, &dir, Disk::AsIs, &nagios, &env).await;
    assert_eq!((first.code, first.stderr.as_str()), (0, ""), "{first:?}");
    let entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    std::fs::write(&entries[0], b"not a compiled component").unwrap();
    let corrupt = run(&scratch, &dir, Disk::AsIs, &nagios, &env).await;
    printed_anyway(&corrupt, "could not be used");
    assert!(corrupt.stderr.contains("compiled it again"), "{corrupt:?}");
    let again = run(&scratch, &dir, Disk::AsIs, &nagios, &env).await;
    assert_eq!(
        (again.code, again.stderr.as_str()),
        (0, ""),
        "replaced: {again:?}"
    );
    assert!(
        corrupt.left.iter().all(|name| !name.ends_with(".tmp")),
        "{corrupt:?}"
    );
}
