//! What the server must say beyond answering: a pattern for the banner (check_smtp's `-e`,
//! blackbox_exporter's expect) and the EHLO extensions it must announce. Checked at start
//! (a bad pattern is invalid settings), judged once the dialogue has succeeded; a miss is
//! `down`, or `warning` where the settings say so, with what the server actually said.

use crate::mailbox::auth_results::{Trusted, method_name};
use crate::smtp::capabilities;
use crate::smtp::reply::reply_text;
use crate::wit::{AuthMethod, Capability, ErrorKind, Expectations, Failure, Phase, Reply};
use regex_lite::Regex;

/// The expectations, checked: the banner's pattern compiled.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    banner: Option<Regex>,
    extensions: Vec<String>,
    miss_is_warning: bool,
    /// The methods the receiver's verdicts must pass (a round trip's `expect-auth`).
    auth: Vec<AuthMethod>,
}

impl Expect {
    /// The expectations of settings that passed [`crate::settings::settings`], with the banner
    /// pattern it compiled.
    pub fn checked(banner: Option<Regex>, expectations: &Expectations) -> Self {
        Self {
            banner,
            extensions: expectations.extensions.clone(),
            miss_is_warning: expectations.miss_is_warning,
            auth: Vec::new(),
        }
    }

    /// These expectations, and that the receiver's verdicts on the round trip's test email
    /// pass `methods`.
    pub fn requiring_auth(mut self, methods: &[AuthMethod]) -> Self {
        self.auth = methods.to_vec();
        self
    }

    /// The methods the receiver's verdicts must pass, in the order given.
    pub fn auth(&self) -> &[AuthMethod] {
        &self.auth
    }

    /// Whether the receiver's verdicts (`trusted`, none when it wrote no field) on the
    /// round trip's test email pass every method required; the miss, quoting the field,
    /// when not.
    pub fn judge_auth(&self, trusted: Option<&Trusted>) -> Option<Failure> {
        let missed: Vec<String> = self
            .auth
            .iter()
            .map(|&method| method_name(method))
            .filter(|method| trusted.and_then(|t| t.passed(method)) != Some(true))
            .map(|method| {
                let result = trusted
                    .and_then(|t| t.verdict(method))
                    .map_or("no result", |r| r.result.as_str());
                format!("{}={result}", method.to_ascii_uppercase())
            })
            .collect();
        if missed.is_empty() {
            return None;
        }
        let said = match trusted {
            None => "it wrote no Authentication-Results field on the test email".to_string(),
            Some(trusted) => {
                let name = if trusted.from_arc {
                    "ARC-Authentication-Results"
                } else {
                    "Authentication-Results"
                };
                let fields: Vec<String> = trusted
                    .fields
                    .iter()
                    .map(|field| format!("{name}: {}", shortened(field)))
                    .collect();
                fields.join(" | ")
            }
        };
        Some(Failure {
            phase: Phase::MailboxFetch,
            kind: ErrorKind::ExpectationMissed(format!(
                "the receiver did not pass the test email: {} (--expect-auth wants pass): {said}",
                missed.join(", ")
            )),
        })
    }

    /// Whether a miss is a warning rather than down.
    pub fn miss_is_warning(&self) -> bool {
        self.miss_is_warning
    }

    /// The first expectation the server missed, with what it said; none when it met them
    /// all (or nothing was expected).
    pub fn judge(&self, banner: Option<&Reply>, capabilities: &[Capability]) -> Option<Failure> {
        if let (Some(pattern), Some(banner)) = (&self.banner, banner) {
            let said = reply_text(banner);
            if !pattern.is_match(&said) {
                return Some(Failure {
                    phase: Phase::Banner,
                    kind: ErrorKind::ExpectationMissed(format!(
                        "the banner {said:?} does not match {:?}",
                        pattern.as_str()
                    )),
                });
            }
        }
        let missing: Vec<&str> = self
            .extensions
            .iter()
            .filter(|keyword| capabilities::find(capabilities, keyword).is_none())
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            return None;
        }
        let announced: Vec<&str> = capabilities.iter().map(|c| c.keyword.as_str()).collect();
        let announced = if announced.is_empty() {
            "none".to_string()
        } else {
            announced.join(", ")
        };
        Some(Failure {
            phase: Phase::Ehlo,
            kind: ErrorKind::ExpectationMissed(format!(
                "the server does not announce {} (it announces: {announced})",
                missing.join(", ")
            )),
        })
    }
}

/// The longest part of a field a message quotes.
const MAX_QUOTED_FIELD: usize = 300;

/// `field`, cut to [`MAX_QUOTED_FIELD`] bytes at a character boundary, `...` marking a cut.
fn shortened(field: &str) -> String {
    if field.len() <= MAX_QUOTED_FIELD {
        return field.to_string();
    }
    format!(
        "{}...",
        &field[..field.floor_char_boundary(MAX_QUOTED_FIELD)]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract's expectations, checked: the first broken rule as a setting error.
    fn expect_of(expectations: &Expectations) -> Result<Expect, crate::settings::SettingError> {
        let banner = crate::settings::expectations(
            expectations.banner.as_deref(),
            &expectations.extensions,
        )?;
        Ok(Expect::checked(banner, expectations))
    }
    use crate::limits::MAX_PATTERN_LEN;
    use crate::settings::Setting;
    use crate::smtp::capabilities::parse_ehlo;
    use crate::smtp::reply::make_reply;

    fn expectations(banner: Option<&str>, extensions: &[&str]) -> Expectations {
        Expectations {
            banner: banner.map(str::to_string),
            extensions: extensions.iter().map(|s| s.to_string()).collect(),
            miss_is_warning: false,
        }
    }

    fn banner() -> Reply {
        make_reply(220, vec!["mx.example.com ESMTP Postfix".into()])
    }

    fn ehlo() -> Vec<Capability> {
        parse_ehlo(&make_reply(
            250,
            ["mx.example.com", "PIPELINING", "SIZE 10240000", "starttls"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ))
    }

    #[test]
    fn nothing_expected_is_always_met() {
        let expect = expect_of(&expectations(None, &[])).unwrap();
        assert_eq!(expect.judge(Some(&banner()), &[]), None);
    }

    #[test]
    fn the_banner_must_match_its_pattern() {
        let expect = expect_of(&expectations(Some("^220 .* ESMTP Postfix$"), &[])).unwrap();
        assert_eq!(expect.judge(Some(&banner()), &ehlo()), None);
        let exim = make_reply(220, vec!["mx.example.com ESMTP Exim 4.96".into()]);
        let missed = expect.judge(Some(&exim), &ehlo()).unwrap();
        assert_eq!(missed.phase, Phase::Banner);
        let ErrorKind::ExpectationMissed(why) = missed.kind else {
            panic!("{missed:?}")
        };
        assert!(
            why.contains("\"220 mx.example.com ESMTP Exim 4.96\"") && why.contains("Postfix"),
            "{why}"
        );
    }

    #[test]
    fn extensions_must_be_announced_in_any_case() {
        let expect = expect_of(&expectations(None, &["STARTTLS", "size"])).unwrap();
        assert_eq!(expect.judge(Some(&banner()), &ehlo()), None);
        let expect =
            expect_of(&expectations(None, &["SMTPUTF8", "STARTTLS", "REQUIRETLS"])).unwrap();
        let missed = expect.judge(Some(&banner()), &ehlo()).unwrap();
        assert_eq!(missed.phase, Phase::Ehlo);
        let ErrorKind::ExpectationMissed(why) = missed.kind else {
            panic!("{missed:?}")
        };
        assert_eq!(
            why,
            "the server does not announce SMTPUTF8, REQUIRETLS (it announces: PIPELINING, \
             SIZE, STARTTLS)"
        );
    }

    #[test]
    fn bad_patterns_and_keywords_are_settings_errors() {
        let error = expect_of(&expectations(Some("220 (unclosed"), &[])).unwrap_err();
        assert_eq!(error.setting, Setting::ExpectBanner);
        assert!(
            error.problem.contains("not a valid regular expression"),
            "{}",
            error.problem
        );
        let long = "a".repeat(MAX_PATTERN_LEN + 1);
        assert!(expect_of(&expectations(Some(&long), &[])).is_err());
        for bad in ["", "SIZE 100", "8BIT\r\nMAIL", "-X"] {
            let error = expect_of(&expectations(None, &[bad])).unwrap_err();
            assert_eq!(error.setting, Setting::ExpectExtensions, "{bad:?}");
        }
        assert!(expect_of(&expectations(None, &["8BITMIME", "X-EXPS"])).is_ok());
    }
}
