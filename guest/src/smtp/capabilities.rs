//! EHLO capabilities (RFC 5321 §4.1.1.1): the reply's lines after the first, one extension
//! each. Keywords are case-insensitive, so they are kept upper-cased and looked up that way.

use crate::wit::{Capability, Reply};

/// The extensions announced in an EHLO reply. The first line is the server's greeting, not
/// an extension.
pub fn parse_ehlo(reply: &Reply) -> Vec<Capability> {
    reply
        .lines
        .iter()
        .skip(1)
        .filter_map(|line| {
            let mut words = line.split_ascii_whitespace();
            let keyword = words.next()?.to_ascii_uppercase();
            Some(Capability {
                keyword,
                params: words.map(str::to_string).collect(),
            })
        })
        .collect()
}

/// The capability with this keyword, whatever case the server used.
pub fn find<'a>(capabilities: &'a [Capability], keyword: &str) -> Option<&'a Capability> {
    capabilities
        .iter()
        .find(|c| c.keyword.eq_ignore_ascii_case(keyword))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smtp::reply::make_reply;

    fn ehlo(lines: &[&str]) -> Vec<Capability> {
        parse_ehlo(&make_reply(
            250,
            lines.iter().map(|s| s.to_string()).collect(),
        ))
    }

    #[test]
    fn keywords_upper_cased_params_kept() {
        let caps = ehlo(&[
            "mail.example hello",
            "size 10240000",
            "auth PLAIN login",
            "8BITMIME",
        ]);
        assert_eq!(caps.len(), 3);
        assert_eq!(caps[0].keyword, "SIZE");
        assert_eq!(caps[0].params, ["10240000"]);
        assert_eq!(caps[1].params, ["PLAIN", "login"]);
        assert_eq!(caps[2].keyword, "8BITMIME");
    }

    #[test]
    fn lowercase_last_line_is_found() {
        let caps = ehlo(&["mail.example", "PIPELINING", "starttls"]);
        assert!(find(&caps, "STARTTLS").is_some());
        assert!(find(&caps, "StartTLS").is_some());
        assert!(find(&caps, "AUTH").is_none());
    }

    #[test]
    fn greeting_only_and_blank_lines() {
        assert!(ehlo(&["mail.example"]).is_empty());
        assert!(ehlo(&["mail.example", "", "  "]).is_empty());
    }
}
