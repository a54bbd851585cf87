//! The documentation stays true to the binary and to itself: the flags tables of
//! `docs/flags.md` name every flag `check --help` lists and no other, and every relative link
//! of the README and `docs/` leads to a file (and heading) that is there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// This package's fresh build of the CLI.
const SMTP_SENSOR: &str = env!("CARGO_BIN_EXE_smtp-sensor-under-test");

/// A path from the repository's root.
fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The long flags (`--name`) that `text` names, in order.
fn long_flags(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut flags = Vec::new();
    let mut i = 0;
    while let Some(at) = text[i..].find("--") {
        let start = i + at;
        let name_start = start + 2;
        let mut end = name_start;
        while end < bytes.len()
            && (bytes[end].is_ascii_lowercase()
                || bytes[end].is_ascii_digit()
                || bytes[end] == b'-')
        {
            end += 1;
        }
        let after_word = start > 0 && {
            let before = bytes[start - 1];
            before.is_ascii_alphanumeric() || before == b'-'
        };
        let name = text[name_start..end].trim_end_matches('-');
        if !after_word && name.starts_with(|c: char| c.is_ascii_lowercase()) {
            flags.push(format!("--{name}"));
        }
        i = end.max(start + 2);
    }
    flags
}

/// Every flag `smtp-sensor check --help` lists (aliases included), but clap's own `--help`.
fn check_help_flags() -> BTreeSet<String> {
    let output = std::process::Command::new(SMTP_SENSOR)
        .args(["check", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let help = String::from_utf8(output.stdout).unwrap();
    let mut flags = BTreeSet::new();
    for line in help.lines().map(str::trim_start) {
        // An option's own line (`--host <HOST>`, `-h, --help`): its first long flag.
        let short_then_long =
            line.starts_with('-') && line.get(2..).is_some_and(|rest| rest.starts_with(", --"));
        if line.starts_with("--") || short_then_long {
            flags.extend(long_flags(line).into_iter().take(1));
        }
        // Its aliases, on a line of their own in the long help.
        if line.starts_with("[alias: ") || line.starts_with("[aliases: ") {
            flags.extend(long_flags(line));
        }
    }
    flags.remove("--help");
    assert!(
        flags.len() > 40,
        "the options of --help, parsed: {flags:?}\n{help}"
    );
    flags
}

/// The flags named in the first column of `docs/flags.md`'s tables whose first header is
/// `flag` (the sensor's flags and keys, and the run's own flags).
fn documented_flags() -> BTreeSet<String> {
    let page = read(&repo("docs/flags.md"));
    let mut flags = BTreeSet::new();
    let mut in_table = false;
    for line in page.lines() {
        if line.starts_with("| flag |") {
            in_table = true;
        } else if !line.starts_with('|') {
            in_table = false;
        } else if in_table {
            let first = line.split('|').nth(1).unwrap_or_default();
            flags.extend(long_flags(first));
        }
    }
    flags
}

#[test]
fn the_flags_table_names_every_check_flag_and_only_real_ones() {
    let help = check_help_flags();
    let documented = documented_flags();
    let undocumented: Vec<&String> = help.difference(&documented).collect();
    let unreal: Vec<&String> = documented.difference(&help).collect();
    assert!(
        undocumented.is_empty() && unreal.is_empty(),
        "`check --help` lists flags docs/flags.md's tables do not: {undocumented:?}; \
         the tables name flags `check --help` does not list: {unreal:?}"
    );
}

#[test]
fn every_flag_docs_flags_mentions_is_a_check_flag() {
    // The synopsis, the tables' other columns and the prose too.
    let help = check_help_flags();
    let page = read(&repo("docs/flags.md"));
    let unreal: BTreeSet<String> = long_flags(&page)
        .into_iter()
        .filter(|flag| !help.contains(flag))
        .collect();
    assert!(
        unreal.is_empty(),
        "docs/flags.md names flags `check --help` does not list: {unreal:?}"
    );
}

/// The README and every page of `docs/`.
fn pages() -> Vec<PathBuf> {
    let mut pages = vec![repo("README.md")];
    let mut folders = vec![repo("docs")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

/// A page's text outside fenced code blocks.
fn prose(page: &str) -> String {
    let mut fenced = false;
    let mut text = String::new();
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

/// The targets of a page's Markdown links (`[text](target)`), code spans and blocks skipped.
fn link_targets(page: &str) -> Vec<String> {
    let text = prose(page);
    // Code spans may hold `](`; they may also span lines, and hold the link's own text.
    let outside_code: String = text
        .split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 0 { part } else { "" })
        .collect();
    outside_code
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(target, _)| target.to_string()))
        .collect()
}

/// The anchors GitHub gives a page's headings: lower case, punctuation but `-` and `_` left
/// out, spaces made `-`.
fn anchors(page: &str) -> BTreeSet<String> {
    prose(page)
        .lines()
        .filter(|line| line.starts_with('#'))
        .map(|heading| {
            heading
                .trim_start_matches('#')
                .trim()
                .to_lowercase()
                .chars()
                .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                .map(|c| if c == ' ' { '-' } else { c })
                .collect()
        })
        .collect()
}

#[test]
fn every_relative_link_of_the_readme_and_docs_leads_somewhere() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read(&page);
        for target in link_targets(&text) {
            if target.starts_with("https://")
                || target.starts_with("http://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            checked += 1;
            let (path, anchor) = match target.split_once('#') {
                Some((path, anchor)) => (path, Some(anchor)),
                None => (target.as_str(), None),
            };
            let file = if path.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(path)
            };
            let name = page.strip_prefix(repo("")).unwrap_or(&page).display();
            if !file.exists() {
                broken.push(format!("{name}: {target}: no such file"));
            } else if let Some(anchor) = anchor
                && !anchors(&read(&file)).contains(anchor)
            {
                broken.push(format!("{name}: {target}: no such heading"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(
        checked > 30,
        "only {checked} relative links found: is the parser broken?"
    );
}

#[test]
fn the_readme_and_the_docs_index_link_every_page_of_docs() {
    let pages: Vec<String> = std::fs::read_dir(repo("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md") && name != "README.md")
        .collect();
    assert!(!pages.is_empty());
    let readme = link_targets(&read(&repo("README.md")));
    let index = link_targets(&read(&repo("docs/README.md")));
    for page in pages {
        assert!(
            readme.contains(&format!("docs/{page}")),
            "README.md's Documentation list links docs/{page}: {readme:?}"
        );
        assert!(
            index.contains(&page),
            "docs/README.md links {page}: {index:?}"
        );
    }
}

#[test]
fn the_parsers_read_what_they_should() {
    assert_eq!(
        long_flags("| `--expect-banner` (or `--expect`) | a--b, --x-, -y, --4 |"),
        ["--expect-banner", "--expect", "--x"]
    );
    assert_eq!(
        link_targets(
            "[a](x.md) `[b](code.md)` and [`c`](y.md#h)\n```\n[d](fenced.md)\n```\n[e](#f)"
        ),
        ["x.md", "y.md#h", "#f"]
    );
    assert_eq!(
        anchors("# Prometheus: `smtp-sensor serve`, a prober like blackbox_exporter\n## A/B c"),
        BTreeSet::from([
            "prometheus-smtp-sensor-serve-a-prober-like-blackbox_exporter".to_string(),
            "ab-c".to_string()
        ])
    );
}

/// A documented command line: the page it is on, its environment assignments, its words.
type Documented = (PathBuf, Vec<(String, String)>, Vec<String>);

/// Every command line the README and `docs/` show in a code block, joined across `\`
/// continuations.
fn documented_commands() -> Vec<Documented> {
    let mut pages = vec![repo("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    let mut commands = Vec::new();
    for page in pages {
        let text = read(&page);
        // The code blocks: every other part between fences.
        for block in text.split("```").skip(1).step_by(2) {
            let joined = block.replace("\\\n", " ");
            for line in joined.lines() {
                let line = line.split(" #").next().unwrap().trim();
                let mut words = line.split_whitespace().peekable();
                let mut env = Vec::new();
                while let Some((name, value)) = words.peek().and_then(|w| w.split_once('=')) {
                    if !name.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
                        break;
                    }
                    env.push((name.to_string(), value.to_string()));
                    words.next();
                }
                let words: Vec<String> = words.map(|w| w.trim_matches('\'').to_string()).collect();
                // Commands only, not a synopsis ([OPTIONS]) or a placeholder (HOST).
                if words.first().map(String::as_str) == Some("smtp-sensor")
                    && words.len() > 1
                    && !line.contains('[')
                {
                    commands.push((page.clone(), env, words));
                }
            }
        }
    }
    commands
}

/// Every documented command line is one the binary takes, as written: each `check` runs
/// (against 127.0.0.2 on a closed port, its files made in a scratch folder, so it ends
/// `down`, never in a usage error; a domain check's DNS asked of 127.0.0.2 on that closed
/// port, so no query leaves loopback); `serve` starts and answers; `demo` and `component`
/// do their job. A renamed flag or a changed value fails here, not in a reader's terminal.
#[tokio::test(flavor = "multi_thread")]
async fn every_documented_command_line_is_one_the_binary_takes() {
    use smtp_sensor_tests::scratch::Scratch;
    let scratch = Scratch::new("documented-commands");
    let closed = smtp_sensor_tests::server::free_port([127, 0, 0, 2]).to_string();
    let password = scratch.write("password", "s3cret\n");
    let ca = smtp_sensor_host::demo::pki::Ca::new("documented commands test CA");
    let ca = scratch.write("ca.pem", &ca.pem());
    // A configuration file as the docs name it, its servers moved to 127.0.0.2 and every
    // file it names made.
    // Where a domain check's DNS goes: nowhere but loopback, and refused there.
    let dns_server = format!("127.0.0.2:{closed}");
    let config = |path: &str| -> PathBuf {
        let source = match path {
            "/etc/smtp-sensor/sensors.toml" => repo("examples/sensors.toml"),
            other => repo(other),
        };
        let text: String = read(&source)
            .lines()
            .map(|line| {
                let key = line.split('=').next().unwrap_or("").trim();
                match key {
                    "host" | "mailbox_host" => format!("{key} = \"127.0.0.2\""),
                    "port" => format!("port = {closed}"),
                    k if k.ends_with("_file") => {
                        format!("{k} = \"{}\"", password.display())
                    }
                    "tls_ca" => format!("tls_ca = \"{}\"", ca.display()),
                    "dns_server" => format!("dns_server = \"{dns_server}\""),
                    _ => line.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        // A file's domain sensors look their domains up: at 127.0.0.2 too.
        let text = if text
            .lines()
            .any(|l| l.trim_start().starts_with("dns_server"))
        {
            text
        } else {
            format!("dns_server = \"{dns_server}\"\n{text}")
        };
        scratch.write("sensors.toml", &text)
    };
    let commands = documented_commands();
    assert!(commands.len() >= 10, "{commands:?}");
    eprintln!("{} documented command lines", commands.len());
    for (page, env, words) in commands {
        let shown = format!("{}: {}", page.display(), words.join(" "));
        let mut args: Vec<String> = Vec::new();
        // A host check with DANE resolves its name through the host's DNS: the name is
        // kept, and asked of 127.0.0.2 (an address would be refused: it has no TLSA).
        let dane = words.iter().any(|w| {
            matches!(
                w.as_str(),
                "--dane" | "--expect-dane" | "--dane-expect-standby"
            )
        });
        let mut rest = words[1..].iter();
        while let Some(word) = rest.next() {
            let value = |rest: &mut std::slice::Iter<String>| rest.next().cloned().unwrap();
            match word.as_str() {
                "--host" | "-H" if dane => {
                    let host = value(&mut rest);
                    args.extend([word.clone(), host]);
                    args.extend(["--dns-server".to_string(), dns_server.clone()]);
                }
                "--host" | "-H" | "--mailbox-host" => {
                    value(&mut rest);
                    args.extend([word.clone(), "127.0.0.2".into()]);
                }
                "--port" | "-p" => {
                    value(&mut rest);
                    args.extend([word.clone(), closed.clone()]);
                }
                "--config" => {
                    let path = config(&value(&mut rest));
                    args.extend([word.clone(), path.display().to_string()]);
                }
                "--tls-ca" => {
                    value(&mut rest);
                    args.extend([word.clone(), ca.display().to_string()]);
                }
                "--domain" => {
                    let domain = value(&mut rest);
                    args.extend([word.clone(), domain]);
                    args.extend(["--dns-server".to_string(), dns_server.clone()]);
                }
                "--dns-server" => {
                    value(&mut rest);
                    args.extend([word.clone(), dns_server.clone()]);
                }
                "--store-result" | "--output" => {
                    value(&mut rest);
                    let out = scratch.path().join("out");
                    args.extend([word.clone(), out.display().to_string()]);
                }
                _ => args.push(word.clone()),
            }
        }
        let env: Vec<(String, String)> = env
            .into_iter()
            .map(|(name, _)| (name, "s3cret".into()))
            .collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        match argv.first().copied() {
            Some("serve") => {
                let config = argv
                    .iter()
                    .position(|a| *a == "--config")
                    .map(|i| PathBuf::from(argv[i + 1]))
                    .unwrap();
                let prober =
                    smtp_sensor_tests::prober::Prober::start(SMTP_SENSOR, &config, &[]).await;
                assert_eq!(prober.get("/-/healthy").await.status, 200, "{shown}");
            }
            Some("check") => {
                // A closed port is refused at once: no timeout needs shortening.
                let run = smtp_sensor_tests::cli::run_with_env(SMTP_SENSOR, &argv, &env).await;
                assert!(
                    (0..=2).contains(&run.code) && !run.stderr.contains("invalid"),
                    "{shown}: {run:?}"
                );
            }
            _ => {
                let run = smtp_sensor_tests::cli::run_with_env(SMTP_SENSOR, &argv, &env).await;
                assert_eq!(run.code, 0, "{shown}: {run:?}");
            }
        }
    }
}
