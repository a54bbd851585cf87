//! Which IMAP folder holds spam: the answer to `LIST` read (RFC 3501 7.2.2, with the
//! attributes of RFC 6154 SPECIAL-USE), and the folder chosen from it: the one marked
//! `\Junk`, or, on a server that marks none, one with a name mail clients give it.

/// The names a spam folder goes by where the server marks none (Thunderbird's, Outlook's,
/// Yahoo's, and the common others), compared without case with the name's last level.
pub const SPAM_FOLDER_NAMES: [&str; 5] = ["Junk", "Spam", "Junk E-mail", "Junk Email", "Bulk Mail"];

/// The most `LIST` entries kept from one answer (a mailbox of thousands of folders).
pub const MAX_ENTRIES: usize = 1000;

/// One folder of a `LIST` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// Its attributes, upper-cased: `\JUNK`, `\HASNOCHILDREN`, ...
    pub attributes: Vec<String>,
    /// Its hierarchy delimiter, if it has one.
    pub delimiter: Option<char>,
    /// Its name as the server spells it (what `SELECT` takes back).
    pub name: String,
}

/// The command that lists the folders: only the special-use ones where the server can
/// (`SPECIAL-USE` with `LIST-EXTENDED`, RFC 6154 section 3), otherwise all of them, whose
/// attributes many servers mark anyway.
pub fn list_command(has: impl Fn(&str) -> bool) -> &'static str {
    if has("SPECIAL-USE") && has("LIST-EXTENDED") {
        "LIST (SPECIAL-USE) \"\" \"*\""
    } else {
        "LIST \"\" \"*\""
    }
}

/// The folder of an untagged `LIST` response's text (`LIST (\HasNoChildren \Junk) "/"
/// "Junk"`; a name sent as a literal is the first of `literals`); none when `text` is not
/// one.
pub fn list_entry(text: &str, literals: &[Vec<u8>]) -> Option<ListEntry> {
    let rest = strip_prefix_ignore_case(text, "LIST ")?.trim_start();
    let rest = rest.strip_prefix('(')?;
    let (attributes, rest) = rest.split_once(')')?;
    let attributes = attributes
        .split_ascii_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    let rest = rest.trim_start();
    let (delimiter, rest) = if let Some(after) = strip_prefix_ignore_case(rest, "NIL") {
        (None, after)
    } else {
        let (delimiter, after) = quoted_string(rest)?;
        (delimiter.chars().next(), after)
    };
    let rest = rest.trim_start();
    let name = if rest.starts_with('"') {
        quoted_string(rest)?.0
    } else if rest.starts_with('{') {
        String::from_utf8_lossy(literals.first()?).into_owned()
    } else {
        let atom = rest.split([' ', '(']).next().unwrap_or_default();
        if atom.is_empty() {
            return None;
        }
        atom.to_string()
    };
    Some(ListEntry {
        attributes,
        delimiter,
        name,
    })
}

/// The spam folder among `entries`: the first marked `\Junk`, else the first whose last
/// level is one of [`SPAM_FOLDER_NAMES`]; never INBOX, never one that cannot be selected.
pub fn spam_folder(entries: &[ListEntry]) -> Option<String> {
    let usable = entries.iter().filter(|entry| {
        !entry.name.eq_ignore_ascii_case("INBOX")
            && !entry
                .attributes
                .iter()
                .any(|a| a == "\\NOSELECT" || a == "\\NONEXISTENT")
    });
    let marked = usable
        .clone()
        .find(|entry| entry.attributes.iter().any(|a| a == "\\JUNK"));
    let named = || {
        usable.clone().find(|entry| {
            let last = match entry.delimiter {
                Some(delimiter) => entry.name.rsplit(delimiter).next().unwrap_or_default(),
                None => &entry.name,
            };
            SPAM_FOLDER_NAMES
                .iter()
                .any(|name| name.eq_ignore_ascii_case(last))
        })
    };
    marked.or_else(named).map(|entry| entry.name.clone())
}

/// `text` without `prefix`, compared without case.
fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// A quoted string at the start of `text` (`\"` and `\\` escaped), and what follows it.
fn quoted_string(text: &str) -> Option<(String, &str)> {
    let mut chars = text.strip_prefix('"')?.char_indices();
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => value.push(chars.next()?.1),
            '"' => return Some((value, &text[i + 2..])),
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> ListEntry {
        list_entry(text, &[]).unwrap_or_else(|| panic!("{text}"))
    }

    #[test]
    fn list_answers_as_servers_write_them() {
        // Dovecot, with SPECIAL-USE.
        let junk = entry(r#"LIST (\HasNoChildren \Junk) "/" Junk"#);
        assert_eq!(junk.name, "Junk");
        assert_eq!(junk.attributes, ["\\HASNOCHILDREN", "\\JUNK"]);
        // Gmail: quoted, with a space and brackets.
        let gmail = entry(r#"LIST (\HasNoChildren \Junk) "/" "[Gmail]/Spam""#);
        assert_eq!(gmail.name, "[Gmail]/Spam");
        // Courier's INBOX hierarchy, escapes, NIL delimiter, extended data after the name.
        assert_eq!(entry(r#"list () "." "INBOX.Sp\"am""#).name, "INBOX.Sp\"am");
        let flat = entry(r#"LIST (\Noinferiors) NIL Spam ("CHILDINFO" ("SUBSCRIBED"))"#);
        assert_eq!((flat.delimiter, flat.name.as_str()), (None, "Spam"));
        // A literal name.
        let literal = list_entry(r#"LIST () "/" {10}"#, &[b"Junk Email".to_vec()]).unwrap();
        assert_eq!(literal.name, "Junk Email");
        for junk in [
            "LSUB () \"/\" x",
            "LIST",
            "LIST (",
            "LIST () \"/",
            "LIST () \"/\" ",
        ] {
            assert_eq!(list_entry(junk, &[]), None, "{junk}");
        }
    }

    #[test]
    fn the_marked_folder_wins_then_a_known_name() {
        let entries = [
            entry(r#"LIST (\HasNoChildren) "." INBOX"#),
            entry(r#"LIST (\HasNoChildren) "." INBOX.Spam"#),
            entry(r#"LIST (\HasNoChildren \Junk) "." "INBOX.Unwanted""#),
        ];
        assert_eq!(spam_folder(&entries).as_deref(), Some("INBOX.Unwanted"));
        assert_eq!(spam_folder(&entries[..2]).as_deref(), Some("INBOX.Spam"));
        let none = [
            entry(r#"LIST (\Noselect \Junk) "/" Junk"#),
            entry(r#"LIST () "/" Archive/Spamming"#),
            entry(r#"LIST () "/" INBOX"#),
        ];
        assert_eq!(spam_folder(&none), None);
        assert_eq!(
            spam_folder(&[entry(r#"LIST () "/" "Junk E-mail""#)]).as_deref(),
            Some("Junk E-mail")
        );
    }

    #[test]
    fn only_special_use_folders_are_asked_for_where_the_server_can() {
        let both = |c: &str| c == "SPECIAL-USE" || c == "LIST-EXTENDED";
        assert_eq!(list_command(both), "LIST (SPECIAL-USE) \"\" \"*\"");
        assert_eq!(list_command(|c| c == "SPECIAL-USE"), "LIST \"\" \"*\"");
    }
}
