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
