//! The receiver's verdicts on a delivered message: its Authentication-Results header fields
//! (RFC 8601), read without I/O. Each field names the server that wrote it (the authserv-id)
//! and, per method (SPF, DKIM, DMARC, ARC, ...), its result and the properties it judged
//! (`header.d`, `header.s`, `smtp.mailfrom`, `header.from`). Only the receiver's own field is
//! to be trusted ([`trusted`]): anyone upstream, the sender included, can add one.
//!
//! Bounded: a field is read up to [`MAX_FIELD_LEN`] bytes, at most [`MAX_RESULTS`] results of
//! at most [`MAX_PROPERTIES`] properties each, whatever a hostile sender wrote. Lenient where
//! real receivers are sloppy: comments anywhere (nested), quoted strings, a missing
//! authserv-id (Microsoft 365 writes none), stray `;`.

use crate::wit::AuthMethod;

/// The name of `method` as Authentication-Results fields write it.
pub fn method_name(method: AuthMethod) -> &'static str {
    match method {
        AuthMethod::Spf => "spf",
        AuthMethod::Dkim => "dkim",
        AuthMethod::Dmarc => "dmarc",
        AuthMethod::Arc => "arc",
    }
}

/// The longest field value read; the rest is ignored.
pub const MAX_FIELD_LEN: usize = 16 * 1024;
/// The most results read from one field.
pub const MAX_RESULTS: usize = 32;
/// The most properties read for one result.
pub const MAX_PROPERTIES: usize = 16;

/// One Authentication-Results field, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthResults {
    /// The server that wrote it (lower-cased); empty when the field names none.
    pub authserv_id: String,
    /// Its results, in its order; none for `; none`.
    pub results: Vec<MethodResult>,
}

/// One method's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodResult {
    /// The method, lower-cased: `spf`, `dkim`, `dmarc`, `arc`, ...
    pub method: String,
    /// Its result, lower-cased: `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`,
    /// `permerror`, `policy`, ...
    pub result: String,
    /// The `reason=` given, if any.
    pub reason: Option<String>,
    /// Its properties, `ptype.property` (lower-cased) and value, in order: `header.d`,
    /// `smtp.mailfrom`, ...
    pub properties: Vec<(String, String)>,
}

impl MethodResult {
    /// The value of `ptype.property` (`header.d`), if given.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Reads one field's value (after `Authentication-Results:`, unfolded).
pub fn parse(value: &str) -> AuthResults {
    let value = bounded(value);
    let clauses = clauses(&tokens(value));
    let mut clauses = clauses.into_iter();
    // The first clause names the receiver, unless it already is a result (no authserv-id).
    let mut authserv_id = String::new();
    let mut pending = Vec::new();
    if let Some(first) = clauses.next() {
        if first.contains(&Token::Special('=')) {
            pending.push(first);
        } else if let Some(id) = first.first() {
            authserv_id = id.text().to_ascii_lowercase();
        }
    }
    let results = pending
        .into_iter()
        .chain(clauses)
        .filter_map(|clause| method_result(&clause))
        .take(MAX_RESULTS)
        .collect();
    AuthResults {
        authserv_id,
        results,
    }
}

/// Reads one ARC-Authentication-Results field's value (RFC 8617): its instance (`i=1;`),
/// then what an Authentication-Results field holds. `None` for the instance when the field
/// does not start with one.
pub fn parse_arc(value: &str) -> (Option<u32>, AuthResults) {
    // `i=1;`, white space allowed around `=` (RFC 8617 4.1.2's CFWS).
    let instance = value
        .split_once(';')
        .and_then(|(tag, rest)| {
            let (name, number) = tag.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("i")
                .then_some((number, rest))
        })
        .and_then(|(number, rest)| Some((number.trim().parse::<u32>().ok()?, rest)));
    match instance {
        Some((number, rest)) => (Some(number), parse(rest)),
        None => (None, parse(value)),
    }
}

/// The receiver's verdicts on a message: the fields it wrote, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trusted {
    /// The receiver's authserv-id, lower-cased; empty when its fields name none.
    pub authserv_id: String,
    /// The results of its fields, field by field, topmost first: a method's verdict is
    /// the topmost field's that reports it.
    by_field: Vec<Vec<MethodResult>>,
    /// Its fields' values as written (unfolded), at most [`MAX_FIELD_LEN`] bytes each.
    pub fields: Vec<String>,
    /// They are its ARC-Authentication-Results field (the newest instance), as it wrote
    /// no Authentication-Results field.
    pub from_arc: bool,
}

impl Trusted {
    /// Whether `method` passed, by its [`verdict`](Trusted::verdict); none when the
    /// receiver did not report it.
    pub fn passed(&self, method: &str) -> Option<bool> {
        self.verdict(method).map(|r| r.result == "pass")
    }

    /// The result that decides `method`: from the topmost field that reports it (an
    /// older field of the same receiver below, or one forged there, never outvotes it),
    /// for DKIM a passing one if any (each signature is judged apart, RFC 6376 6.1: the
    /// one that verified is named by its `header.d`), for SPF the one of the envelope
    /// sender (`smtp.mailfrom`, not the HELO identity, RFC 7208 2.3), else the first.
    pub fn verdict(&self, method: &str) -> Option<&MethodResult> {
        let field = self.by_field.iter().find(|results| {
            results
                .iter()
                .any(|r| r.method.eq_ignore_ascii_case(method))
        })?;
        let mut results = field
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method));
        let first = results.clone().next();
        let preferred = match method.to_ascii_lowercase().as_str() {
            "dkim" => results.find(|r| r.result == "pass"),
            "spf" => results.find(|r| r.property("smtp.mailfrom").is_some()),
            _ => None,
        };
        preferred.or(first)
    }

    /// The results of its fields, topmost field first.
    pub fn results(&self) -> impl Iterator<Item = &MethodResult> {
        self.by_field.iter().flatten()
    }

    /// The results, taken: topmost field first.
    pub fn into_results(self) -> impl Iterator<Item = MethodResult> {
        self.by_field.into_iter().flatten()
    }

    /// The results for `method`.
    pub fn of<'a>(&'a self, method: &'a str) -> impl Iterator<Item = &'a MethodResult> + 'a {
        self.results()
            .filter(move |r| r.method.eq_ignore_ascii_case(method))
    }
}

/// The highest ARC instance there may be (RFC 8617 4.2.1).
pub const MAX_ARC_INSTANCE: u32 = 50;

/// The receiver's verdicts on a message whose Authentication-Results field values are
/// `fields` and ARC-Authentication-Results values `arc_fields`, topmost first. Whose:
/// `authserv_id` when given, else the topmost field's (the receiver adds its own last, on
/// top: RFC 8601, section 5). Which: the run of that authserv-id's fields from its first,
/// down to the first field of another, so that a field a sender wrote below, under any
/// other name, is never read (one forged under the receiver's own name is the receiver's
/// to delete, as section 5 requires); a topmost field that names no authserv-id
/// (Microsoft 365's) is trusted alone, as nothing tells a forged one below from it. A
/// method's verdict is the topmost field's that reports it ([`Trusted::verdict`]).
/// Without such a field, and only for an `authserv_id` given, that receiver's newest
/// ARC-Authentication-Results (the highest instance, 1 to [`MAX_ARC_INSTANCE`]) is read
/// instead: unnamed, the newest ARC field may be anyone's (a sender's own seal, as
/// Microsoft 365 adds to outbound mail). None when neither is there.
pub fn trusted(
    fields: &[String],
    arc_fields: &[String],
    authserv_id: Option<&str>,
) -> Option<Trusted> {
    let read: Vec<AuthResults> = fields.iter().map(|field| parse(field)).collect();
    let id = authserv_id
        .map(str::to_ascii_lowercase)
        .or_else(|| read.first().map(|r| r.authserv_id.clone()));
    if let Some(id) = &id
        && let Some(start) = read
            .iter()
            .position(|r| r.authserv_id.eq_ignore_ascii_case(id))
    {
        let longest = if id.is_empty() { 1 } else { usize::MAX };
        let run = read[start..]
            .iter()
            .zip(&fields[start..])
            .take_while(|(r, _)| r.authserv_id.eq_ignore_ascii_case(id))
            .take(longest);
        let mut trusted = Trusted {
            authserv_id: id.clone(),
            by_field: Vec::new(),
            fields: Vec::new(),
            from_arc: false,
        };
        for (results, field) in run {
            trusted.by_field.push(results.results.clone());
            trusted.fields.push(bounded(field).to_string());
        }
        return Some(trusted);
    }
    // No Authentication-Results field of the receiver named: its newest ARC seal's.
    let id = authserv_id?;
    let newest = arc_fields
        .iter()
        .filter_map(|field| {
            let (instance, results) = parse_arc(field);
            Some((instance?, results, field))
        })
        .filter(|(instance, results, _)| {
            (1..=MAX_ARC_INSTANCE).contains(instance)
                && results.authserv_id.eq_ignore_ascii_case(id)
        })
        .max_by_key(|(instance, ..)| *instance)?;
    let (_, results, field) = newest;
    Some(Trusted {
        authserv_id: results.authserv_id,
        by_field: vec![results.results],
        fields: vec![bounded(field).to_string()],
        from_arc: true,
    })
}

/// At most [`MAX_FIELD_LEN`] bytes of `value`, cut at a character boundary.
fn bounded(value: &str) -> &str {
    if value.len() <= MAX_FIELD_LEN {
        return value;
    }
    let mut end = MAX_FIELD_LEN;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// A piece of a field: a word or a quoted string's content (kept apart from the specials,
/// so that a quoted `;` never ends a clause), or one of the specials `;` and `=` (a `/`
/// stays in its word: it parts a method from its version, and is base64 in a value).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Text(String),
    Special(char),
}

/// The field's tokens, comments and white space dropped.
fn tokens(value: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = value.chars().peekable();
    let mut word = String::new();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            tokens.push(Token::Text(std::mem::take(word)));
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                flush(&mut word, &mut tokens);
                // A comment, nested ones within; a backslash quotes the next character.
                let mut depth = 1;
                while depth > 0 {
                    match chars.next() {
                        Some('\\') => {
                            chars.next();
                        }
                        Some('(') => depth += 1,
                        Some(')') => depth -= 1,
                        Some(_) => {}
                        None => break,
                    }
                }
            }
            '"' => {
                flush(&mut word, &mut tokens);
                let mut quoted = String::new();
                while let Some(q) = chars.next() {
                    match q {
                        '\\' => quoted.extend(chars.next()),
                        '"' => break,
                        other => quoted.push(other),
                    }
                }
                tokens.push(Token::Text(quoted));
            }
            ';' | '=' => {
                flush(&mut word, &mut tokens);
                tokens.push(Token::Special(c));
            }
            // A dot stays in its word (`header.d`, a domain): the grammar reads it later.
            c if c.is_whitespace() => flush(&mut word, &mut tokens),
            other => word.push(other),
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

/// The tokens split at `;`, empty clauses dropped.
fn clauses(tokens: &[Token]) -> Vec<Vec<Token>> {
    tokens
        .split(|t| *t == Token::Special(';'))
        .filter(|clause| !clause.is_empty())
        .map(<[Token]>::to_vec)
        .collect()
}

impl Token {
    /// The text of a word or quoted string; a special's own character.
    fn text(&self) -> String {
        match self {
            Token::Text(text) => text.clone(),
            Token::Special(c) => c.to_string(),
        }
    }
}

/// One resinfo: `method[/version]=result [reason=value] [ptype.property=value ...]`.
fn method_result(clause: &[Token]) -> Option<MethodResult> {
    let equals = Token::Special('=');
    let mut rest = clause.iter().peekable();
    let Token::Text(method) = rest.next()? else {
        return None;
    };
    // A method version (`dkim/1`, or `dkim /1`) says nothing the result needs.
    let method = method
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if let Some(Token::Text(version)) = rest.peek()
        && version.starts_with('/')
    {
        rest.next();
    }
    if rest.next()? != &equals {
        return None;
    }
    let Token::Text(result) = rest.next()? else {
        return None;
    };
    let result = result.to_ascii_lowercase();
    let mut reason = None;
    let mut properties = Vec::new();
    while let Some(key) = rest.next() {
        if rest.peek() != Some(&&equals) {
            continue;
        }
        rest.next();
        let Some(value) = rest.next() else {
            break;
        };
        let key = key.text().to_ascii_lowercase();
        if key == "reason" {
            reason = Some(value.text());
        } else if key.contains('.') && properties.len() < MAX_PROPERTIES {
            properties.push((key, value.text()));
        }
    }
    Some(MethodResult {
        method,
        result,
        reason,
        properties,
    })
}

#[cfg(test)]
mod tests;
