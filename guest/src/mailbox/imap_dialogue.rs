//! The mailbox side of the round trip over IMAP (RFC 3501, RFC 9051), sans-IO: greet,
//! secure (STARTTLS) if asked, learn the capabilities (again after TLS and after the
//! log-in: those seen before are forgotten), LOGIN, SELECT INBOX, then look for test
//! messages by the Message-ID the check writes (`UID SEARCH UNDELETED HEADER Message-ID`,
//! answered as SEARCH or ESEARCH), read only the Message-ID of those not read before
//! (`BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]`), and once this run's message is there
//! delete it and those of runs that have ended, by UID (`UID STORE +FLAGS.SILENT
//! (\Deleted)`, then `UID EXPUNGE`, which touches those UIDs alone). Without UIDPLUS they
//! stay flagged, never expunged with others' mail, and `UNDELETED` keeps later looks from
//! finding them again. Until the message is there the dialogue waits; the caller searches
//! again after a back-off.
//!
//! The STARTTLS rules are the SMTP side's: a `PREAUTH` greeting where TLS is required
//! ends the dialogue (STARTTLS is impossible once authenticated), and bytes the server
//! sends after STARTTLS's `OK`, before the handshake, end it too (CVE-2011-0411's class).

use super::dialogue::{Dialogue, Machine, machine_of};
use super::imap::{
    ImapParser, ImapResponse, ImapStatus, capabilities, needs_literal, quoted, searched_uids,
};
use super::imap_folders::{PLAIN_LIST, SpamFinder, list_command, list_entry};
use super::steps::{Delivered, MailboxOutcome, Progress, Step, Tally};
use super::token::{Kind, Tokens};
use crate::journal::Journal;
use crate::secret::Secret;
use std::collections::BTreeMap;
use std::time::Duration;

/// The most UIDs one search answer may put forward (the newest are kept): test messages
/// only, since the search names the token's prefix, so far more than a mailbox holds.
pub const MAX_CANDIDATES: usize = 1000;
/// The folder every look begins with.
const INBOX: &str = "INBOX";
/// The most messages whose headers one FETCH reads.
const MAX_FETCH: usize = 100;
/// Looks in a row whose FETCH was refused with nothing answered before the dialogue fails.
const MAX_FETCH_REFUSALS: u32 = 3;

/// What the dialogue is to do.
#[derive(Debug, Clone)]
pub struct ImapPlan {
    /// The mailbox's user.
    pub user: String,
    /// Its password; never in the transcript.
    pub password: Secret,
    /// Upgrade the connection with STARTTLS before logging in.
    pub starttls: bool,
    /// A refused STARTTLS goes on in plain text (a downgrade, reported); otherwise it fails.
    pub tls_optional: bool,
    /// The mode allows going on without TLS (`starttls-if-available`): a `PREAUTH`
    /// greeting, which sends no password, is then a downgrade, not a failure.
    pub plain_allowed: bool,
    /// Which messages are test messages, and whose.
    pub tokens: Tokens,
    /// The spam folders to look in after INBOX; none: the one `LIST` shows (see
    /// [`imap_folders`](super::imap_folders)).
    pub spam_folders: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Greeting,
    StartTls,
    AwaitTls,
    /// CAPABILITY before the log-in (none came with the greeting, or TLS began).
    Capability,
    Login,
    /// LOGIN's password literal announced; waiting for the server's `+`.
    LoginLiteral,
    /// CAPABILITY after the log-in, when its `OK` did not carry them.
    Capabilities,
    /// LIST, to find the spam folder.
    List,
    /// The first SELECT, of INBOX: part of logging in.
    Select,
    /// SELECT of the next folder a look goes through: part of the search.
    Switch,
    Search,
    Waiting,
    Fetch,
    Store,
    Expunge,
    Logout,
    Done,
}

impl State {
    fn step(self) -> Step {
        match self {
            Self::Greeting => Step::Greeting,
            Self::StartTls | Self::AwaitTls => Step::StartTls,
            Self::Capability | Self::Login | Self::LoginLiteral | Self::Capabilities => Step::Login,
            Self::List | Self::Select => Step::Select,
            Self::Search | Self::Waiting | Self::Switch => Step::Search,
            Self::Fetch => Step::Fetch,
            Self::Store | Self::Expunge => Step::Delete,
            Self::Logout | Self::Done => Step::Logout,
        }
    }
}

/// One IMAP dialogue over one connection.
pub struct ImapDialogue {
    plan: ImapPlan,
    state: State,
    parser: ImapParser,
    progress: Progress,
    next_tag: u32,
    tag: String,
    /// The server's capabilities as last learned; none once they must be asked again.
    capabilities: Option<Vec<String>>,
    /// The UIDs the search under way put forward.
    candidates: Vec<u32>,
    /// What each message read so far is, with its Message-ID, by folder and UID.
    known: BTreeMap<(usize, u32), (Kind, String)>,
    /// Candidates not read yet.
    unread: Vec<u32>,
    /// The UIDs being deleted.
    doomed: Vec<u32>,
    search_answered: Duration,
    /// When the look under way began (its first folder's SELECT or SEARCH): a message
    /// not found arrived after it.
    look_sent: Duration,
    tally: Tally,
    /// What is left of LOGIN, each piece sent once the server says `+`.
    pending_literal: Vec<Vec<u8>>,
    /// The UIDs whose Message-ID is being read.
    fetching: Vec<u32>,
    /// Looks in a row whose FETCH was refused with nothing answered.
    fetch_refusals: u32,
    /// The folders each look goes through, INBOX first, and whether each is spam.
    folders: Vec<(String, bool)>,
    /// The folder selected (an index into `folders`).
    folder: usize,
    /// The spam folder being found in `LIST`'s answer.
    finder: SpamFinder,
    /// The plain `LIST` was asked again, the first form refused.
    listed_plainly: bool,
    /// The spam folder is the one `LIST` showed, not one named in the settings.
    discovered: bool,
    /// A SELECT was sent: the mailbox was opened once.
    opened: bool,
    /// A folder is selected (a refused SELECT leaves none, RFC 3501 6.3.1).
    selected: bool,
    /// Each folder's UIDVALIDITY as its SELECT said it: when it changes, its UIDs name
    /// other messages, and what was read of them is forgotten (RFC 3501 2.3.1.1).
    validity: BTreeMap<usize, u32>,
    /// This look counted a refused FETCH already.
    refused_in_look: bool,
}

/// Written by hand: what is left of LOGIN, and the parser's bytes, may hold the password.
impl std::fmt::Debug for ImapDialogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapDialogue")
            .field("state", &self.state)
            .field("progress", &self.progress)
            .field("candidates", &self.candidates.len())
            .field("known", &self.known.len())
            .finish_non_exhaustive()
    }
}

impl ImapDialogue {
    /// A dialogue that begins at `now`, waiting for the greeting.
    pub fn new(plan: ImapPlan, journal: Journal, now: Duration) -> Self {
        Self {
            state: State::Greeting,
            parser: ImapParser::new(),
            progress: Progress::new(journal, &plan.password, now),
            next_tag: 1,
            tag: String::new(),
            capabilities: None,
            candidates: Vec::new(),
            known: BTreeMap::new(),
            unread: Vec::new(),
            doomed: Vec::new(),
            search_answered: now,
            look_sent: now,
            tally: Tally::default(),
            pending_literal: Vec::new(),
            fetching: Vec::new(),
            fetch_refusals: 0,
            folders: vec![(INBOX.to_string(), false)],
            folder: 0,
            finder: SpamFinder::default(),
            listed_plainly: false,
            discovered: false,
            opened: false,
            selected: false,
            validity: BTreeMap::new(),
            refused_in_look: false,
            plan,
        }
    }

    /// How it ended.
    pub fn into_outcome(self) -> (MailboxOutcome, Journal) {
        self.progress.into_outcome(self.tally)
    }

    fn handle_response(&mut self, now: Duration, response: ImapResponse) {
        let shown = match &response {
            ImapResponse::Tagged { tag, status, text } => format!("{tag} {status:?} {text}"),
            ImapResponse::Untagged { text, .. } => format!("* {text}"),
            ImapResponse::Continuation { text } => format!("+ {text}"),
        };
        self.progress.server(now, &shown);
        match response {
            ImapResponse::Untagged { text, literals } => {
                self.handle_untagged(now, &text, &literals)
            }
            ImapResponse::Tagged { tag, status, text } if tag == self.tag => {
                self.handle_tagged(now, status, &text);
            }
            ImapResponse::Continuation { .. } if self.state == State::LoginLiteral => {
                if !self.pending_literal.is_empty() {
                    let piece = self.pending_literal.remove(0);
                    self.progress.send_raw(&piece);
                }
                if self.pending_literal.is_empty() {
                    self.enter(now, State::Login);
                }
            }
            ImapResponse::Tagged { .. } | ImapResponse::Continuation { .. } => {
                self.fail(format!("the server answered out of turn: {shown}"));
                self.logout(now);
            }
        }
    }

    fn handle_untagged(&mut self, now: Duration, text: &str, literals: &[Vec<u8>]) {
        let upper = text.to_ascii_uppercase();
        if upper.starts_with("BYE") && !matches!(self.state, State::Logout | State::Greeting) {
            self.fail(format!("the server closed the session: * {text}"));
            return self.finish(now);
        }
        if let Some(list) = capabilities(text)
            && (upper.starts_with("CAPABILITY") || upper.starts_with("OK"))
        {
            self.capabilities = Some(list);
        }
        match self.state {
            State::Greeting => {
                if upper.starts_with("OK") {
                    self.after_greeting(now);
                } else if upper.starts_with("PREAUTH") {
                    self.preauthenticated(now);
                } else {
                    self.fail(format!("the server refused the connection: * {text}"));
                    self.finish(now);
                }
            }
            State::Search => {
                if let Some(uids) = searched_uids(text, &self.tag, MAX_CANDIDATES) {
                    // However many answers come, the newest MAX_CANDIDATES are kept.
                    self.candidates.extend(uids);
                    crate::sort::sort_by_key(&mut self.candidates, |&uid| std::cmp::Reverse(uid));
                    self.candidates.dedup();
                    self.candidates.truncate(MAX_CANDIDATES);
                }
            }
            State::List => {
                if let Some(entry) = list_entry(text, literals) {
                    self.finder.offer(entry);
                }
            }
            State::Select | State::Switch => {
                if let Some(validity) = uid_validity(&upper) {
                    self.validated(validity);
                }
            }
            State::Fetch if upper.contains("FETCH") => {
                // Only an answer for a UID asked for and not read yet, and only its
                // Message-ID header: a server cannot relabel or overwrite what is known.
                let Some(uid) = fetched_uid(text) else {
                    return;
                };
                if !self.fetching.contains(&uid) || self.known.contains_key(&self.key(uid)) {
                    return;
                }
                let Some(headers) = header_literal(text, literals) else {
                    return;
                };
                let headers = String::from_utf8_lossy(headers);
                let read = self.plan.tokens.read(&headers);
                if read.0 == Kind::Ours && self.tally.delivered.is_none() {
                    let (folder, spam) = &self.folders[self.folder];
                    self.tally.delivered = Some(Delivered::read(folder, *spam, &headers));
                }
                self.known.insert(self.key(uid), read);
            }
            _ => {}
        }
    }

    fn handle_tagged(&mut self, now: Duration, status: ImapStatus, text: &str) {
        let refused = status != ImapStatus::Ok;
        if refused && self.state == State::StartTls && self.plan.tls_optional {
            self.progress.downgrade(now, &format!("{status:?} {text}"));
            return self.before_login(now);
        }
        // Overlapping runs expunge messages another session is reading or flagging: a
        // server may answer such a FETCH or STORE with NO (RFC 2180 4.1.2, 4.2).
        if status == ImapStatus::No && self.state == State::Fetch {
            return self.fetch_refused(now, text);
        }
        if status == ImapStatus::No && self.state == State::Store {
            self.progress.note(
                now,
                &format!("UID STORE was refused (NO {text}): some test messages may be gone"),
            );
            return self.after_store(now);
        }
        // A server that refuses LIST's extended form is asked plainly; one that cannot
        // list its folders at all is looked at in INBOX alone.
        if refused && self.state == State::List {
            if !self.listed_plainly && list_command(|name| self.has(name)) != PLAIN_LIST {
                self.listed_plainly = true;
                return self.send(now, State::List, PLAIN_LIST);
            }
            self.progress.note(
                now,
                &format!("LIST was refused ({status:?} {text}): INBOX alone is looked in"),
            );
            return self.select(now);
        }
        // A spam folder the check found itself but cannot open is left out, not a failure
        // (one named in the settings is); no folder is selected now.
        if refused && self.state == State::Switch && self.discovered {
            let (folder, _) = self.folders.remove(self.folder);
            self.discovered = false;
            self.selected = false;
            self.progress.note(
                now,
                &format!(
                    "the spam folder {} could not be opened ({status:?} {text}): INBOX \
                     alone is looked in",
                    quoted(&folder)
                ),
            );
            return self.look_done(now);
        }
        if matches!(self.state, State::Select | State::Switch) {
            self.selected = !refused;
        }
        if refused && self.state == State::Expunge {
            self.tally.left_flagged = self.doomed.len();
        }
        if refused && self.state != State::Logout {
            let command = match self.state {
                State::Select | State::Switch => {
                    format!("SELECT {}", quoted(&self.folders[self.folder].0))
                }
                state => command_of(state).to_string(),
            };
            self.fail(format!("{command} was refused: {status:?} {text}"));
            return self.logout(now);
        }
        match self.state {
            State::StartTls => self.enter(now, State::AwaitTls),
            State::Capability => self.login(now),
            State::Login => {
                // What the server could do before the log-in is not what it can after.
                self.capabilities = capabilities(text);
                if self.capabilities.is_some() {
                    self.find_folders(now);
                } else {
                    self.send(now, State::Capabilities, "CAPABILITY");
                }
            }
            State::Capabilities => self.find_folders(now),
            State::List => {
                match std::mem::take(&mut self.finder).found() {
                    Some(folder) => {
                        self.folders.push((folder, true));
                        self.discovered = true;
                    }
                    None => self.progress.note(
                        now,
                        "no spam folder: none is marked \\Junk (RFC 6154) or has a spam \
                         folder's name; INBOX alone is looked in",
                    ),
                }
                self.select(now);
            }
            State::Select | State::Switch => self.search(now),
            State::Search => {
                self.search_answered = now;
                self.unread = self
                    .candidates
                    .iter()
                    .copied()
                    .filter(|&uid| !self.known.contains_key(&self.key(uid)))
                    .collect();
                self.read_or_decide(now);
            }
            State::Fetch => {
                self.fetch_refusals = 0;
                // A UID the server did not answer for (expunged meanwhile) is not read again.
                for uid in std::mem::take(&mut self.fetching) {
                    self.known
                        .entry(self.key(uid))
                        .or_insert((Kind::Other, String::new()));
                }
                self.read_or_decide(now);
            }
            State::Store => self.after_store(now),
            State::Expunge => {
                self.tally.deleted = self.doomed.len();
                self.logout(now);
            }
            State::Logout => self.finish(now),
            State::Greeting
            | State::AwaitTls
            | State::LoginLiteral
            | State::Waiting
            | State::Done => {}
        }
    }

    /// UID FETCH was refused: what was answered counts, the rest is read at the next look;
    /// a server that refuses every FETCH, look after look, fails.
    fn fetch_refused(&mut self, now: Duration, text: &str) {
        let answered = self
            .fetching
            .iter()
            .any(|&uid| self.known.contains_key(&self.key(uid)));
        self.fetching.clear();
        if !answered && !self.refused_in_look {
            self.fetch_refusals += 1;
            self.refused_in_look = true;
        }
        if self.fetch_refusals >= MAX_FETCH_REFUSALS {
            self.fail(format!("UID FETCH was refused, look after look: NO {text}"));
            return self.logout(now);
        }
        self.progress.note(
            now,
            &format!("UID FETCH was refused (NO {text}): the rest is read at the next look"),
        );
        self.unread.clear();
        self.read_or_decide(now);
    }

    /// The test messages are flagged: expunged by UID with UIDPLUS (only the flagged of
    /// those UIDs go), left flagged without it.
    fn after_store(&mut self, now: Duration) {
        if self.has("UIDPLUS") {
            let set = uid_set(&self.doomed);
            return self.send(now, State::Expunge, &format!("UID EXPUNGE {set}"));
        }
        self.progress.note(
            now,
            "the server lacks UIDPLUS: the test messages stay flagged \\Deleted, not \
             expunged (a plain EXPUNGE would remove others' deleted mail too); they wait for \
             the mailbox's own expunge",
        );
        self.tally.left_flagged = self.doomed.len();
        self.logout(now);
    }

    /// Reads the headers of the next unread candidates, or, all read, decides: this run's
    /// message there (delete it and the ended runs' in this folder), or look in the next
    /// folder, or, the look done, wait.
    fn read_or_decide(&mut self, now: Duration) {
        if !self.unread.is_empty() {
            let take = self.unread.len().min(MAX_FETCH);
            let batch: Vec<u32> = self.unread.drain(..take).collect();
            self.fetch(now, &batch);
            self.fetching = batch;
            return;
        }
        let candidates = std::mem::take(&mut self.candidates);
        let ours = candidates
            .iter()
            .any(|&uid| matches!(self.known.get(&self.key(uid)), Some((Kind::Ours, _))));
        if !ours {
            if self.folder + 1 < self.folders.len() {
                self.folder += 1;
                return self.select(now);
            }
            return self.look_done(now);
        }
        self.tally.found_at.get_or_insert(self.search_answered);
        self.progress.cleanup_from(now);
        self.doomed = candidates
            .into_iter()
            .filter(|&uid| {
                matches!(
                    self.known.get(&self.key(uid)),
                    Some((Kind::Ours | Kind::Leftover, _))
                )
            })
            .collect();
        self.tally.removed = self
            .doomed
            .iter()
            .filter_map(|&uid| self.known.get(&self.key(uid)).map(|(_, id)| id.clone()))
            .collect();
        let set = uid_set(&self.doomed);
        self.send(
            now,
            State::Store,
            &format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"),
        );
    }

    fn after_greeting(&mut self, now: Duration) {
        if self.plan.starttls {
            self.send(now, State::StartTls, "STARTTLS");
        } else {
            self.before_login(now);
        }
    }

    /// The greeting says the session is already authenticated (`PREAUTH`): STARTTLS is
    /// no longer possible, so where TLS is required this is the end.
    fn preauthenticated(&mut self, now: Duration) {
        if self.plan.starttls && !self.plan.plain_allowed {
            self.fail(
                "the server greeted with PREAUTH (already logged in, in plain text), so \
                 STARTTLS is impossible (RFC 3501 6.2.1) and TLS is required"
                    .into(),
            );
            return self.logout(now);
        }
        if self.plan.starttls {
            self.progress
                .downgrade(now, "PREAUTH: already logged in, in plain text");
        }
        self.capabilities = None;
        self.send(now, State::Capabilities, "CAPABILITY");
    }

    /// Logs in once the capabilities are known, asking for them first when they are not.
    fn before_login(&mut self, now: Duration) {
        if self.capabilities.is_some() {
            self.login(now);
        } else {
            self.send(now, State::Capability, "CAPABILITY");
        }
    }

    fn login(&mut self, now: Duration) {
        if self.has("LOGINDISABLED") {
            self.fail(
                "the server refuses LOGIN on this connection (LOGINDISABLED): it wants TLS \
                 first; use STARTTLS or implicit TLS"
                    .into(),
            );
            return self.logout(now);
        }
        let tag = self.new_tag();
        // 8-bit text cannot be quoted: it goes as a literal, inline with LITERAL+
        // (RFC 7888), otherwise each after the server's `+`.
        let plus = self.has("LITERAL+");
        let user = self.plan.user.clone();
        let password = self.plan.password.expose().to_string();
        let mut pieces: Vec<Vec<u8>> = vec![format!("{tag} LOGIN").into_bytes()];
        let mut shown = format!("{tag} LOGIN");
        for (i, arg) in [user.as_str(), password.as_str()].into_iter().enumerate() {
            let secret = i == 1;
            let last = pieces.last_mut().expect("the command's start");
            if needs_literal(arg) {
                let marker = if plus {
                    format!(" {{{}+}}", arg.len())
                } else {
                    format!(" {{{}}}", arg.len())
                };
                last.extend_from_slice(marker.as_bytes());
                last.extend_from_slice(b"\r\n");
                pieces.push(arg.as_bytes().to_vec());
                shown.push_str(&marker);
                shown.push_str(if secret { " [redacted]" } else { " " });
                if !secret {
                    shown.push_str(arg);
                }
            } else {
                let text = quoted(arg);
                last.push(b' ');
                last.extend_from_slice(text.as_bytes());
                shown.push(' ');
                shown.push_str(if secret { "[redacted]" } else { &text });
            }
        }
        if let Some(last) = pieces.last_mut() {
            last.extend_from_slice(b"\r\n");
        }
        self.progress.client_line(now, &shown);
        if plus {
            self.progress.send_raw(&pieces.concat());
            return self.enter(now, State::Login);
        }
        let mut pieces = pieces.into_iter();
        if let Some(first) = pieces.next() {
            self.progress.send_raw(&first);
        }
        self.pending_literal = pieces.collect();
        let next = if self.pending_literal.is_empty() {
            State::Login
        } else {
            State::LoginLiteral
        };
        self.enter(now, next);
    }

    /// The folders each look goes through: INBOX, then the spam folders named, or the one
    /// `LIST` shows.
    fn find_folders(&mut self, now: Duration) {
        match &self.plan.spam_folders {
            Some(named) => {
                let named = named.iter().map(|folder| (folder.clone(), true));
                self.folders.extend(named);
                self.select(now);
            }
            None => {
                let command = list_command(|name| self.has(name));
                self.send(now, State::List, command);
            }
        }
    }

    /// Opens the current folder; a look in a single folder keeps it open.
    fn select(&mut self, now: Duration) {
        let folder = &self.folders[self.folder].0;
        // Names as LIST shows them: modified UTF-7 (RFC 3501 5.1.3), ASCII, quotable.
        let name = if folder == INBOX {
            INBOX.to_string()
        } else {
            quoted(folder)
        };
        if self.folder == 0 {
            self.look_sent = now;
            self.refused_in_look = false;
        }
        // Only the first SELECT opens the mailbox; the others are part of a look.
        let state = if self.opened {
            State::Switch
        } else {
            State::Select
        };
        self.opened = true;
        self.send(now, state, &format!("SELECT {name}"));
    }

    /// The look went through every folder without finding this run's message: wait.
    fn look_done(&mut self, now: Duration) {
        self.tally.missed_at = Some(self.look_sent);
        self.enter(now, State::Waiting);
    }

    /// The selected folder's SELECT said its UIDVALIDITY: if it changed since the last
    /// look, what was read there is forgotten.
    fn validated(&mut self, validity: u32) {
        let folder = self.folder;
        if self
            .validity
            .insert(folder, validity)
            .is_some_and(|old| old != validity)
        {
            self.known.retain(|&(f, _), _| f != folder);
        }
    }

    /// The key of message `uid` in the folder selected.
    fn key(&self, uid: u32) -> (usize, u32) {
        (self.folder, uid)
    }

    fn search(&mut self, now: Duration) {
        let prefix = quoted(&format!("{}-", self.plan.tokens.prefix));
        if self.folders.len() == 1 {
            self.look_sent = now;
        }
        self.send(
            now,
            State::Search,
            &format!("UID SEARCH UNDELETED HEADER Message-ID {prefix}"),
        );
    }

    fn fetch(&mut self, now: Duration, uids: &[u32]) {
        let set = uid_set(uids);
        self.send(
            now,
            State::Fetch,
            &format!(
                "UID FETCH {set} (UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID \
                 AUTHENTICATION-RESULTS ARC-AUTHENTICATION-RESULTS)])"
            ),
        );
    }

    fn logout(&mut self, now: Duration) {
        self.progress.cleanup_from(now);
        self.send(now, State::Logout, "LOGOUT");
    }

    fn send(&mut self, now: Duration, next: State, command: &str) {
        let tag = self.new_tag();
        let line = format!("{tag} {command}");
        self.progress.send(now, &line, &line);
        self.enter(now, next);
    }

    fn new_tag(&mut self) -> String {
        self.tag = format!("a{}", self.next_tag);
        self.next_tag += 1;
        self.tag.clone()
    }

    fn enter(&mut self, now: Duration, next: State) {
        self.progress.moved(now, self.state.step(), next.step());
        self.state = next;
    }

    /// Records a failure of the current step; the first one stands.
    fn fail(&mut self, why: String) {
        self.progress.fail(self.state.step(), &why);
    }

    /// Whether the server has the capability `name` (as last learned).
    fn has(&self, name: &str) -> bool {
        self.capabilities
            .as_ref()
            .is_some_and(|list| list.iter().any(|c| c == name))
    }
}

machine_of!(ImapDialogue);

impl Dialogue for ImapDialogue {
    /// The handshake succeeded: what was learned in plain text is forgotten, and the
    /// capabilities are asked again over TLS before logging in.
    fn handle_tls_established(&mut self, now: Duration) {
        if self.state == State::AwaitTls {
            self.capabilities = None;
            self.before_login(now);
        }
    }

    /// The test message is not there yet: the caller waits, then calls [`search_again`].
    ///
    /// [`search_again`]: ImapDialogue::search_again
    fn is_waiting(&self) -> bool {
        self.state == State::Waiting
    }

    /// Looks again for the test message, after a wait.
    fn search_again(&mut self, now: Duration) {
        if self.state == State::Waiting {
            // One folder stays selected between looks; several are gone through again.
            if self.folders.len() > 1 || !self.selected {
                self.folder = 0;
                self.select(now);
            } else {
                self.search(now);
            }
        }
    }

    /// The dialogue ends now without the message (the deadline passed): logs out politely.
    fn give_up(&mut self, now: Duration) {
        if !matches!(self.state, State::Logout | State::Done) {
            self.logout(now);
        }
    }

    /// The connection failed (closed, timed out) at `now`, in whatever step it was.
    fn handle_close(&mut self, now: Duration, why: &str) {
        if self.state != State::Done && self.state != State::Logout {
            self.fail(why.to_string());
        }
        self.finish(now);
    }

    /// Bytes from the server.
    fn handle_input(&mut self, now: Duration, bytes: &[u8]) {
        if self.state == State::Done {
            return;
        }
        self.parser.push(bytes);
        loop {
            match self.parser.next_response() {
                Ok(Some(response)) => self.handle_response(now, response),
                Ok(None) => return,
                Err(error) => {
                    self.progress.fail_with(self.state.step(), error);
                    return self.finish(now);
                }
            }
            if self.state == State::AwaitTls && self.parser.has_buffered() {
                self.fail(
                    "the server sent more after STARTTLS's OK, before the TLS handshake: \
                     bytes that would be taken as sent over TLS (a command injection, \
                     CVE-2011-0411's class)"
                        .into(),
                );
                return self.finish(now);
            }
            if self.state == State::Done || self.state == State::AwaitTls {
                return;
            }
        }
    }
}

/// The command a state sent, for messages.
fn command_of(state: State) -> &'static str {
    match state {
        State::Greeting => "the connection",
        State::StartTls | State::AwaitTls => "STARTTLS",
        State::Capability | State::Capabilities => "CAPABILITY",
        State::Login | State::LoginLiteral => "LOGIN",
        State::List => "LIST",
        State::Select | State::Switch => "SELECT",
        State::Search | State::Waiting => "UID SEARCH",
        State::Fetch => "UID FETCH",
        State::Store => "UID STORE",
        State::Expunge => "UID EXPUNGE",
        State::Logout | State::Done => "LOGOUT",
    }
}

/// The UIDVALIDITY in a SELECT's untagged answer (`OK [UIDVALIDITY 3857529045] UIDs
/// valid`, upper-cased), if that is what `upper` is.
fn uid_validity(upper: &str) -> Option<u32> {
    let rest = upper.strip_prefix("OK [UIDVALIDITY ")?;
    rest.split(']').next()?.trim().parse().ok()
}

/// UIDs as an IMAP sequence set: `4,7,9`.
fn uid_set(uids: &[u32]) -> String {
    uids.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The UID in a FETCH response's text: `3 FETCH (UID 9 ...` (the `UID` item, after `(`
/// or a space).
fn fetched_uid(text: &str) -> Option<u32> {
    let upper = text.to_ascii_uppercase();
    let items = &upper[upper.find("FETCH (")? + "FETCH ".len()..];
    let at = [" UID ", "(UID "]
        .iter()
        .filter_map(|item| items.find(item))
        .min()?;
    items[at + 5..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// The literal holding `BODY[HEADER.FIELDS ...]`'s value in a FETCH response: the one whose
/// `{N}` follows that item in the text (literals are in the order their markers stand).
fn header_literal<'a>(text: &str, literals: &'a [Vec<u8>]) -> Option<&'a [u8]> {
    let upper = text.to_ascii_uppercase();
    let item = upper.find("BODY[HEADER.FIELDS")?;
    let before = upper[..item].matches('{').count();
    let marker = upper[item..].find(']')? + item;
    let next = upper[marker..].trim_start_matches([']', ' ']);
    if !next.starts_with('{') {
        return None;
    }
    literals.get(before).map(Vec::as_slice)
}

#[cfg(test)]
mod tests;
