//! Which IMAP folder holds spam: the answer to `LIST` read (RFC 3501 7.2.2, with the
//! attributes of RFC 6154 SPECIAL-USE), and the folder chosen from it as the entries come:
//! the one marked `\Junk`, or, on a server that marks none, one with a name mail clients
//! give it. Nothing of the answer is kept but the two candidates: a hostile server's
//! thousand long entries cost no memory.

use crate::limits::MAX_FOLDER_NAME_LEN;

/// The names a spam folder goes by where the server marks none (Thunderbird's, Outlook's,
/// Yahoo's, German Exchange's, and the common others), compared without case with the
/// name's last level.
pub const SPAM_FOLDER_NAMES: [&str; 6] = [
    "Junk",
    "Spam",
    "Junk E-mail",
    "Junk Email",
    "Junk-E-Mail",
    "Bulk Mail",
];

/// The attributes that decide, upper-cased: the others are not kept.
const DECIDING_ATTRIBUTES: [&str; 3] = ["\\JUNK", "\\NOSELECT", "\\NONEXISTENT"];

/// One folder of a `LIST` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// Those of its attributes that decide ([`DECIDING_ATTRIBUTES`]), upper-cased.
    pub attributes: Vec<String>,
    /// Its hierarchy delimiter, if it has one.
    pub delimiter: Option<char>,
    /// Its name as the server spells it (what `SELECT` takes back).
    pub name: String,
}

/// Every folder, plainly: what a server without LIST-EXTENDED takes, and what is asked
/// again of one that refused [`list_command`]'s.
pub const PLAIN_LIST: &str = "LIST \"\" \"*\"";

/// The command that lists the folders: every folder with its special-use attributes where
/// the server can say them (`SPECIAL-USE` with `LIST-EXTENDED`: `RETURN (SPECIAL-USE)`,
/// RFC 6154 section 5.2; not the `(SPECIAL-USE)` selection, which would hide a spam folder
/// left unmarked), otherwise [`PLAIN_LIST`], whose attributes many servers mark anyway.
pub fn list_command(has: impl Fn(&str) -> bool) -> &'static str {
    if has("SPECIAL-USE") && has("LIST-EXTENDED") {
        "LIST \"\" \"*\" RETURN (SPECIAL-USE)"
    } else {
        PLAIN_LIST
    }
}

/// The spam folder being found in a `LIST` answer, as its entries come.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpamFinder {
    /// The first selectable folder marked `\Junk`.
    marked: Option<String>,
    /// The first selectable folder with a spam folder's name.
    named: Option<String>,
}

impl SpamFinder {
    /// Considers one entry of the answer.
    pub fn offer(&mut self, entry: ListEntry) {
        if self.marked.is_some() || !usable(&entry) {
            return;
        }
        if entry.attributes.iter().any(|a| a == "\\JUNK") {
            self.marked = Some(entry.name);
        } else if self.named.is_none() && has_spam_name(&entry) {
            self.named = Some(entry.name);
        }
    }

    /// The spam folder: the one marked `\Junk`, else one with a spam folder's name.
    pub fn found(self) -> Option<String> {
        self.marked.or(self.named)
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
        .filter(|a| DECIDING_ATTRIBUTES.contains(&a.as_str()))
        .take(DECIDING_ATTRIBUTES.len())
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
        let literal = literals.first()?;
        if literal.len() > MAX_FOLDER_NAME_LEN {
            return None;
        }
        String::from_utf8_lossy(literal).into_owned()
    } else {
        let atom = rest.split([' ', '(']).next().unwrap_or_default();
        if atom.is_empty() {
            return None;
        }
        atom.to_string()
    };
    // A name longer than any accepted, or one that cannot go back quoted (8-bit: not
    // RFC 3501's modified UTF-7), is no folder the check can select.
    if name.len() > MAX_FOLDER_NAME_LEN || super::imap::needs_literal(&name) {
        return None;
    }
    Some(ListEntry {
        attributes,
        delimiter,
        name,
    })
}

/// Whether a folder can be the spam folder: not INBOX, and selectable.
fn usable(entry: &ListEntry) -> bool {
    !entry.name.eq_ignore_ascii_case("INBOX")
        && !entry
            .attributes
            .iter()
            .any(|a| a == "\\NOSELECT" || a == "\\NONEXISTENT")
}

/// Whether a folder's last level has one of [`SPAM_FOLDER_NAMES`].
fn has_spam_name(entry: &ListEntry) -> bool {
    let last = match entry.delimiter {
        Some(delimiter) => entry.name.rsplit(delimiter).next().unwrap_or_default(),
        None => &entry.name,
    };
    SPAM_FOLDER_NAMES
        .iter()
        .any(|name| name.eq_ignore_ascii_case(last))
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
        if value.len() > MAX_FOLDER_NAME_LEN {
            return None;
        }
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

    fn found(texts: &[&str]) -> Option<String> {
        let mut finder = SpamFinder::default();
        for text in texts {
            if let Some(entry) = list_entry(text, &[]) {
                finder.offer(entry);
            }
        }
        finder.found()
    }

    #[test]
    fn list_answers_as_servers_write_them() {
        // Dovecot, with SPECIAL-USE: only the deciding attributes are kept.
        let junk = entry(r#"LIST (\HasNoChildren \Junk) "/" Junk"#);
        assert_eq!(junk.name, "Junk");
        assert_eq!(junk.attributes, ["\\JUNK"]);
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
    fn hostile_entries_cost_nothing_and_are_never_chosen() {
        // Thousands of attributes: none kept.
        let many = format!("LIST ({}) \"/\" Junk", "\\a ".repeat(100_000));
        assert!(entry(&many).attributes.is_empty());
        // A name longer than any accepted, quoted or as a literal; an 8-bit one.
        let long = format!("LIST (\\Junk) \"/\" \"{}\"", "x".repeat(100_000));
        assert_eq!(list_entry(&long, &[]), None);
        let literal = vec![b'x'; MAX_FOLDER_NAME_LEN + 1];
        assert_eq!(list_entry("LIST (\\Junk) \"/\" {256}", &[literal]), None);
        assert_eq!(list_entry("LIST (\\Junk) \"/\" \"Unerwünscht\"", &[]), None);
    }

    #[test]
    fn the_marked_folder_wins_then_a_known_name() {
        assert_eq!(
            found(&[
                r#"LIST (\HasNoChildren) "." INBOX"#,
                r#"LIST (\HasNoChildren) "." INBOX.Spam"#,
                r#"LIST (\HasNoChildren \Junk) "." "INBOX.Unwanted""#,
            ])
            .as_deref(),
            Some("INBOX.Unwanted")
        );
        assert_eq!(
            found(&[r#"LIST () "." INBOX"#, r#"LIST () "." INBOX.Spam"#]).as_deref(),
            Some("INBOX.Spam")
        );
        assert_eq!(
            found(&[
                r#"LIST (\Noselect \Junk) "/" Junk"#,
                r#"LIST () "/" Archive/Spamming"#,
                r#"LIST (\Junk) "/" INBOX"#,
            ]),
            None
        );
        assert_eq!(
            found(&[r#"LIST () "/" "Junk-E-Mail""#]).as_deref(),
            Some("Junk-E-Mail")
        );
    }

    #[test]
    fn every_folder_is_asked_for_with_its_special_use_where_the_server_can() {
        let both = |c: &str| c == "SPECIAL-USE" || c == "LIST-EXTENDED";
        assert_eq!(list_command(both), "LIST \"\" \"*\" RETURN (SPECIAL-USE)");
        assert_eq!(list_command(|c| c == "SPECIAL-USE"), PLAIN_LIST);
    }
}
